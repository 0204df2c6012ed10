/**
 * A build that rewrites a watched file in its own input triggers the next build, forever. It is
 * told from a person's edits by its shape: the same file changed during this many builds in a
 * row, each started only by changes made while the build before it ran.
 */
export const SELF_TRIGGER_BUILDS = 5;

/** The changes that triggered a build: every path, in order of arrival, and whether all came while a build ran. */
export interface Trigger {
  paths: string[];
  duringBuild: boolean;
}

/** Builds in a row started only by changes made during the build before, and the paths common to all of them. */
export interface Streak {
  builds: number;
  paths: ReadonlySet<string>;
}

export const NO_STREAK: Streak = { builds: 0, paths: new Set() };

/**
 * The streak once a build is started by `trigger`, and the files the build keeps rewriting once the
 * streak reaches SELF_TRIGGER_BUILDS (the streak then starts over); none before that.
 */
export function selfTrigger(streak: Streak, trigger: Trigger): { streak: Streak; culprits: string[] } {
  if (!trigger.duringBuild) return { streak: NO_STREAK, culprits: [] };
  const paths = new Set(streak.builds === 0 ? trigger.paths : trigger.paths.filter((path) => streak.paths.has(path)));
  const builds = paths.size ? streak.builds + 1 : 0;
  if (builds < SELF_TRIGGER_BUILDS) return { streak: { builds, paths }, culprits: [] };
  return { streak: { builds: 0, paths }, culprits: [...paths] };
}
