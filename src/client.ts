import { reloadClient } from "../client/reload.ts";
import { CLIENT_PATH, SOCKET_PATH } from "./protocol.ts";

/**
 * Long enough to fold the two or three events of one save into one reload, short enough to
 * stay invisible. Bursts need no longer wait: the server holds HTML until the output is quiet.
 */
export const CLIENT_DEBOUNCE_MS = 8;

/** The client's source, with the page's version read from the tag that loaded it. */
export const clientScript =
  `(${reloadClient})(${JSON.stringify(SOCKET_PATH)},` +
  `document.currentScript.dataset.storytimeVersion,${CLIENT_DEBOUNCE_MS});`;

/** Content-addressed, so browsers may keep it in memory across every reload. */
export const clientUrl = `${CLIENT_PATH}?h=${Bun.hash(clientScript).toString(36)}`;

export function clientTag(version: number): string {
  return `<script src="${clientUrl}" data-storytime-version="${version}" async></script>`;
}
