import { describe, expect, test } from "bun:test";
import { commandNotFoundCode, shellCommand } from "../../../src/build/shell.ts";

describe("the shell that runs the build", () => {
  test("on Windows the command reaches cmd.exe as typed, quotes and all; elsewhere through sh -c, after -- so that it is never an option", () => {
    for (const command of [`echo "hello world"> out\\q.txt`, `a & b`, `echo %PATH%`, `echo "ünïcödé ✓"`, `"C:\\Program Files\\x.exe" --flag "two words"`]) {
      expect(shellCommand(command, "win32")).toEqual({ argv: ["cmd.exe", "/d", "/s", "/c", `"${command}"`], windowsVerbatimArguments: true });
      expect(shellCommand(command, "linux")).toEqual({ argv: ["/bin/sh", "-c", "--", command], windowsVerbatimArguments: false });
    }
  });

  test("a command not found is exit code 127 from sh, 9009 from cmd.exe", () => {
    expect(commandNotFoundCode("linux")).toBe(127);
    expect(commandNotFoundCode("darwin")).toBe(127);
    expect(commandNotFoundCode("win32")).toBe(9009);
  });
});
