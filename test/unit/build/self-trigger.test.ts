import { describe, expect, test } from "bun:test";
import { NO_STREAK, SELF_TRIGGER_BUILDS, selfTrigger, type Streak, type Trigger } from "../../../src/build/self-trigger.ts";

/** The streak and culprits after builds started by `triggers`, one after another. */
function after(triggers: Trigger[]): { streak: Streak; culprits: string[][] } {
  let streak = NO_STREAK;
  const culprits: string[][] = [];
  for (const trigger of triggers) {
    const next = selfTrigger(streak, trigger);
    streak = next.streak;
    culprits.push(next.culprits);
  }
  return { streak, culprits };
}

const during = (...paths: string[]): Trigger => ({ paths, duringBuild: true });
const repeat = (count: number, trigger: Trigger) => Array.from({ length: count }, () => trigger);

describe("a build that keeps setting itself off", () => {
  test("the file changed during every one of SELF_TRIGGER_BUILDS builds in a row is named, on the last of them only", () => {
    const { culprits } = after(repeat(SELF_TRIGGER_BUILDS, during("manifest.json", "story.py")).map((trigger, i) => (i % 2 ? trigger : during("manifest.json"))));
    expect(culprits.slice(0, -1).every((named) => named.length === 0)).toBe(true);
    expect(culprits.at(-1)).toEqual(["manifest.json"]);
  });

  test("after naming them the streak starts over", () => {
    const { streak, culprits } = after(repeat(SELF_TRIGGER_BUILDS + 1, during("manifest.json")));
    expect(culprits.at(-1)).toEqual([]);
    expect(streak.builds).toBe(1);
  });

  test("a build started by a change made while no build ran (a person's edit) ends the streak", () => {
    const triggers = [...repeat(SELF_TRIGGER_BUILDS - 1, during("manifest.json")), { paths: ["manifest.json"], duringBuild: false }, during("manifest.json")];
    const { streak, culprits } = after(triggers);
    expect(culprits.flat()).toEqual([]);
    expect(streak.builds).toBe(1);
  });

  test("builds set off by different files each time are not a loop", () => {
    const triggers = Array.from({ length: SELF_TRIGGER_BUILDS * 2 }, (_, i) => during(`page-${i}.md`));
    const { culprits } = after(triggers);
    expect(culprits.flat()).toEqual([]);
  });
});
