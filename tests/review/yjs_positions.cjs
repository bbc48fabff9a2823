// Ground truth for tests/review/test_anchors.py, from the real Yjs (node_modules/yjs):
// random documents co-edited by three clients (accents, emoji, deletions, offline merges),
// relative positions taken along the way, and where Yjs itself resolves each at the end.
// Usage: node yjs_positions.cjs <repository root> <seed> <documents>
"use strict";
const path = require("path");
const Y = require(path.join(process.argv[2], "node_modules", "yjs"));

let seed = Number(process.argv[3] || 1);
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (items) => items[Math.floor(random() * items.length)];
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
// UTF-16 offsets between characters (never inside a surrogate pair), as CodeMirror's are.
const boundaries = (text) => {
  const out = [0];
  let at = 0;
  for (const ch of text) out.push((at += ch.length));
  return out;
};

const documents = [];
for (let n = 0; n < Number(process.argv[4] || 20); n++) {
  const docs = [1, 2, 3].map((i) => {
    const doc = new Y.Doc();
    doc.clientID = 1000 + i * 7 + n;
    return doc;
  });
  const sync = () => {
    for (const a of docs)
      for (const b of docs)
        if (a !== b) Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  };
  const taken = [];
  for (let step = 0; step < 60; step++) {
    const doc = pick(docs);
    const text = doc.getText("markdown");
    const cuts = boundaries(text.toString());
    const roll = random();
    if (roll < 0.55 || text.length < 3) {
      text.insert(pick(cuts), pick(["a", "mot ", "été ", "😀", "x😀y", "\n", "Ça va. "]));
    } else if (roll < 0.8) {
      const i = Math.floor(random() * (cuts.length - 1));
      const j = Math.min(cuts.length - 1, i + 1 + Math.floor(random() * 4));
      text.delete(cuts[i], cuts[j] - cuts[i]);
    } else {
      taken.push(Y.createRelativePositionFromTypeIndex(text, pick(cuts), random() < 0.5 ? 0 : -1));
    }
    if (random() < 0.3) sync();
  }
  sync();
  const doc = docs[0];
  const text = doc.getText("markdown");
  documents.push({
    state: b64(Y.encodeStateAsUpdate(doc)),
    text: text.toString(),
    taken: taken.map((position) => {
      const found = Y.createAbsolutePositionFromRelativePosition(position, doc);
      return { anchor: b64(Y.encodeRelativePosition(position)), index: found ? found.index : null };
    }),
    // What Yjs makes now at each place: anchor_at must make the same bytes.
    made: boundaries(text.toString()).flatMap((index) =>
      [0, -1].map((assoc) => ({
        index,
        assoc,
        anchor: b64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index, assoc))),
      })),
    ),
  });
}
process.stdout.write(JSON.stringify(documents));
