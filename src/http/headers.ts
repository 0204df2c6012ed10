/** Headers added to every response: nothing is readable or embeddable cross-origin. */
export const SECURITY_HEADERS = {
  "cross-origin-resource-policy": "same-origin",
  "x-content-type-options": "nosniff",
} as const;
