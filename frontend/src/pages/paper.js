// The paper page's entry (templates/collaboration/paper.html): open the connection first,
// so that its round trips (TCP, WebSocket upgrade, namespace) overlap the download of the
// rest of the page's code, then load the page (frontend/src/paper/page.js).
import { getLink } from "../net/link.js";

getLink().socket("/collab");
import("../paper/page.js");
