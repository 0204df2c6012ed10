import { existsSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { localUrl, networkUrls } from "./address.ts";
import { isExposed } from "./guard.ts";
import { displayPath, log } from "./log.ts";
import { DEFAULTS, type Options } from "./options.ts";

/** The lines a user reads once the server listens: where to look, what is watched, and what a missing output means. */
export function logStartup(options: Options, port: number, interfaces = networkInterfaces()): void {
  const missing = existsSync(options.output)
    ? ""
    : options.build
      ? " (not there yet: pages wait for the first build)"
      : " (not there yet: pages answer 404 until it appears, then reload)";
  log.info(`Serving ${displayPath(options.output)} at ${localUrl(options.host, port)} and reloading open pages when it changes${missing}`);
  const network = networkUrls(options.host, port, interfaces);
  if (network.length) log.info(`On your network: ${network.join(", ")}`);
  if (isExposed(options.host)) {
    log.warn(`Listening on ${options.host}: the catalog is reachable from the network, not only from this machine.`);
  }
  if (options.input) {
    log.info(`Watching ${displayPath(options.input)}: ${options.build ? `a change runs \`${options.build}\`` : "changes are only logged, as no --build was given"}`);
  } else {
    log.info(`No input directory (${DEFAULTS.input} is not here), so only the output is watched; pass --input and --build to rebuild on source changes.`);
  }
}
