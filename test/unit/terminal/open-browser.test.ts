import { afterEach, describe, expect, test } from "bun:test";
import { openBrowser } from "../../../src/terminal/open-browser.ts";
import { cleanup } from "../../helpers/cleanup.ts";
import { captureLogs } from "../../helpers/logs.ts";

afterEach(cleanup);

const URL = "http://127.0.0.1:8080/";

describe("openBrowser", () => {
  test("an opener that fails: no browser could be opened, and the URL to open by hand", async () => {
    const logs = captureLogs();
    expect(await openBrowser(URL, ["sh", "-c", "exit 3"])).toBe(false);
    expect(logs.lines).toEqual([`storytime: No browser could be opened (sh exited with code 3); open ${URL} yourself.`]);
  });

  test("no opener installed: the same, naming the missing program", async () => {
    const logs = captureLogs();
    expect(await openBrowser(URL, ["storytime-no-such-opener", URL])).toBe(false);
    expect(logs.lines).toEqual([`storytime: No browser could be opened (storytime-no-such-opener is not installed); open ${URL} yourself.`]);
  });

  test("an opener that succeeds says nothing", async () => {
    const logs = captureLogs();
    expect(await openBrowser(URL, ["true"])).toBe(true);
    expect(logs.lines).toEqual([]);
  });
});
