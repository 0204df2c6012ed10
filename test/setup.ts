import { setDefaultTimeout } from "bun:test";

// Tests start real servers, processes and Chromium; each bounds its own waits more tightly.
setDefaultTimeout(20_000);
