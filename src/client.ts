import { reloadClient } from "../client/reload.ts";
import { CLIENT_PATH, SOCKET_PATH } from "./protocol.ts";

/**
 * Only folds the events of one save that arrive together. Bursts need no longer wait: the
 * client closes its socket as it reloads, and the server holds the HTML until the output has
 * been quiet, so a page reloaded mid-burst is served after it. Any longer and this wait is most
 * of the time from save to navigation start (bench/README.md has the history).
 */
export const CLIENT_DEBOUNCE_MS = 2;

/** The client's source, with the page's version read from the tag that loaded it. */
export const clientScript =
  `(${reloadClient})(${JSON.stringify(SOCKET_PATH)},` +
  `document.currentScript.dataset.storytimeVersion,${CLIENT_DEBOUNCE_MS});`;

/** Content-addressed, so browsers may keep it in memory across every reload. */
export const clientUrl = `${CLIENT_PATH}?h=${Bun.hash(clientScript).toString(36)}`;

export function clientTag(version: number): string {
  return `<script src="${clientUrl}" data-storytime-version="${version}" async></script>`;
}
