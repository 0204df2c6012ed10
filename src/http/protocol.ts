/** Everything the server and the browser agree on. Internal routes share one prefix so they never collide with a catalog's files. */
export const INTERNAL_PREFIX = "/__storytime/";
export const SOCKET_PATH = `${INTERNAL_PREFIX}ws`;
export const CLIENT_PATH = `${INTERNAL_PREFIX}client.js`;
export const RELOAD_TOPIC = "reload";
export const RELOAD_MESSAGE = '{"type":"reload"}';
/** The code a page closes its socket with as it reloads: any other close (a tab closed, a page left) is no page on its way back. */
export const RELOAD_CLOSE_CODE = 4000;
