import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { isExposed, localUrl, networkUrls } from "../host.ts";
import { log } from "./log.ts";
import { DEFAULTS, type Options } from "../options.ts";
import { displayPath, isInside, realPathOrNearest } from "../paths.ts";

/** The lines a user reads once the server listens: where to look, what is watched, what a missing output means, and how to stop. */
export function logStartup(options: Options, port: number, interfaces = networkInterfaces()): void {
  const missing = existsSync(options.output)
    ? ""
    : options.build || options.watchBuild
      ? " (not there yet: pages wait for the first build)"
      : " (not there yet: pages answer 404 until it appears, then reload)";
  log.info(`Serving ${displayPath(options.output)} at ${localUrl(options.host, port)} and reloading open pages when it changes${missing}`);
  const network = networkUrls(options.host, port, interfaces);
  if (network.length) log.info(`On your network: ${network.join(", ")}`);
  const exposed = (options.hostAddresses ?? [options.host]).filter(isExposed);
  if (exposed.length) {
    const via = exposed.includes(options.host) ? "" : ` (${exposed.join(", ")})`;
    log.warn(`Listening on ${options.host}${via}: the catalog is reachable from the network, not only from this machine.`);
  }
  if (options.inputs.length) {
    const watched = options.inputs.map((input) => `${displayPath(input)}${leftOut(input, options.output)}`).join(", ");
    log.info(`Watching ${watched}: ${inputRole(options)}`);
  } else if (options.watchBuild) {
    log.info(`No input directory (${DEFAULTS.input} is not here): \`${options.watchBuild}\` watches the sources: pages wait for its first build, then for a rebuild only once it writes; pass --input to hold them from the save on.`);
  } else {
    log.info(`No input directory (${DEFAULTS.input} is not here), so only the output is watched; pass --input and --build to rebuild on source changes.`);
  }
  log.info("Press Ctrl-C to stop.");
}

function inputRole({ build, watchBuild }: Options): string {
  if (build) return `a change runs \`${build}\``;
  if (watchBuild) return `\`${watchBuild}\` rebuilds on its own: pages wait for its first build, and after a change until it has written the output`;
  return "changes are only logged, as no --build was given; pages wait for whatever rebuilds the output after a change";
}

/** Said once: the output inside an input (a generator's default layout) is not watched as a source. */
function leftOut(input: string, output: string): string {
  return isInside(realPathOrNearest(output), realPathOrNearest(input)) ? ` (except ${displayPath(output)}, the output)` : "";
}
