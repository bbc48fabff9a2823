// Comments and suggestions on an open section (issue 16), loaded by the paper page the
// first time a section's editor or reading view opens (not with the page: it stays within
// its weight budget). One ReviewRoom per section; comments.js draws the threads (margin on
// a laptop, markers and a bottom sheet on a phone), suggest.js the "Suggest" mode and the
// suggestions inline.
import { mountComments } from "./comments.js";
import { mountSuggestions } from "./suggest.js";
import { ReviewRoom } from "./room.js";

// `entry`: the paper page's section (frontend/src/paper/page.js: card, config, session,
// editor, workspace, toolbar…); `page`: {socket, config, strings, nonce, api}.
export function mountReview(entry, page) {
  if (entry.review) return entry.review;
  const room = new ReviewRoom(page.socket, entry.config.name, page.config.user.id);
  const context = { entry, room, ...page };
  entry.review = {
    room,
    comments: mountComments(context),
    suggestions: mountSuggestions(context),
  };
  return entry.review;
}
