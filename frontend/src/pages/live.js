// Loaded on every page of an edition (see templates/facilitation/_live.html).
import { startLive } from "../live/client.js";

const root = document.getElementById("live-root");
if (root && root.dataset.edition) {
  window.palabreLive = startLive(root);
}
