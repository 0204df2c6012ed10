/** Headers added to every response: nothing is readable or embeddable cross-origin. */
export const SECURITY_HEADERS = {
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
} as const;

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

/** `response` with the security headers set. */
export function secured(response: Response): Response {
  for (const [name, value] of SECURITY_HEADER_ENTRIES) response.headers.set(name, value);
  return response;
}

/** Every response of the catalog: revalidated at each load, so a reload never shows a stale file. */
export const NO_CACHE = "no-cache";
