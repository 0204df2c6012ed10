import { reloadClient } from "../../client/reload.ts";
import { CLIENT_PATH, RELOAD_CLOSE_CODE, RELOAD_MESSAGE, SOCKET_PATH } from "./protocol.ts";

/**
 * Only folds the events of one save that arrive together. A burst needs no wait of its own here:
 * the client closes its socket as it reloads, and the server holds the HTML until the output has
 * been quiet, so a page reloaded mid-burst is served after it. Any longer and this wait is most
 * of the time from save to navigation start (bench/README.md has the measurements).
 */
const CLIENT_DEBOUNCE_MS = 2;

/**
 * How long a page that started to leave waits, once the server has answered for its URL, before
 * it concludes it was not left and listens again. A navigation to this server replaces the page
 * within milliseconds of the server's answer; a longer wait only delays the catch-up of a page
 * whose navigation never replaced it (a download, a 204), while a shorter one risks reloading over
 * a navigation on a loaded machine or to a slower site.
 */
const LEFT_PAGE_COMMIT_MS = 3_000;

/** The client's source, with the page's version read from the tag that loaded it. */
export const clientScript =
  `(${reloadClient})(${JSON.stringify(SOCKET_PATH)},${JSON.stringify(RELOAD_MESSAGE)},${RELOAD_CLOSE_CODE},` +
  `document.currentScript.dataset.storytimeVersion,${CLIENT_DEBOUNCE_MS},${LEFT_PAGE_COMMIT_MS});`;

/** Content-addressed, so browsers may keep it in memory across every reload. */
export const clientUrl = `${CLIENT_PATH}?h=${Bun.hash(clientScript).toString(36)}`;

export function clientTag(version: number): string {
  return `<script src="${clientUrl}" data-storytime-version="${version}" async></script>`;
}
