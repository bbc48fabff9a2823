import{a as o}from"./chunks/chunk-5PKS654C.js";import"./chunks/chunk-MR2SPORM.js";o().socket("/collab");import("./chunks/page-MV2BLCL2.js");
