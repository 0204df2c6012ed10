import { describe, expect, test } from "bun:test";
import { injectClient } from "../../../src/http/inject.ts";

const TAG = '<script src="/__storytime/client.js"></script>';

const bytes = (parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...new TextEncoder().encode(p)] : p))).buffer as ArrayBuffer;

const inject = (html: string) => new TextDecoder().decode(injectClient(bytes([html]), TAG));

describe("injectClient", () => {
  test("goes at the end of <head>", () => {
    expect(inject("<html><head><title>t</title></head><body>b</body></html>")).toBe(
      `<html><head><title>t</title>${TAG}</head><body>b</body></html>`,
    );
  });

  test("goes at the end of <body> when there is no </head>", () => {
    expect(inject("<html><body><p>b</p></body></html>")).toBe(`<html><body><p>b</p>${TAG}</body></html>`);
  });

  test("goes at the end of a fragment", () => {
    expect(inject("<p>fragment</p>")).toBe(`<p>fragment</p>${TAG}`);
  });

  test("is the whole of an empty file", () => {
    expect(inject("")).toBe(TAG);
  });

  test("appears once, even with two heads or a head and a body", () => {
    const out = inject("<head></head><head></head><body></body>");
    expect(out.split(TAG).length - 1).toBe(1);
  });

  test("leaves every other byte alone, including bytes that are not UTF-8", () => {
    const latin1 = [0x63, 0x61, 0x66, 0xe9, 0xff, 0x80];
    const out = new Uint8Array(injectClient(bytes(["<html><head></head><body>", latin1, "</body></html>"]), TAG));
    const expected = new Uint8Array(bytes([`<html><head>${TAG}</head><body>`, latin1, "</body></html>"]));
    expect(out).toEqual(expected);
  });

  test("keeps comments, doctype and odd whitespace exactly", () => {
    const page = "<!DOCTYPE html>\r\n<!-- c --><HTML><HEAD >\n<meta charset=iso-8859-1></HEAD ><BODY>x</BODY></HTML>";
    expect(inject(page)).toBe(page.replace("</HEAD >", `${TAG}</HEAD >`));
  });
});
