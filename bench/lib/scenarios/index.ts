// One file per scenario around the shared trial loop in common.ts; bench/run.ts runs them in order.
export { type Entry, rotate, startEntry } from "./common.ts";
export * from "./startup.ts";
export * from "./idle.ts";
export * from "./saves.ts";
export * from "./second-save.ts";
export * from "./burst.ts";
export * from "./fanout.ts";
export * from "./load.ts";
export * from "./recreate.ts";
export * from "./rebuild.ts";
export * from "./generators.ts";
