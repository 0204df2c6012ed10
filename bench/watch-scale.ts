/**
 * Input-tree scale: how long the input watcher takes to be ready on 10,000 files in 1,000
 * directories, what it costs in memory, and whether it stays idle. Runs the real CLI as a
 * separate process and reads its /proc entries; loopback only, cleans up after itself.
 *
 *   bun bench/watch-scale.ts [runs=5]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWatcher } from "../src/watchers.ts";

const runs = Number(process.argv[2] ?? 5);
const CLI = join(import.meta.dir, "../src/cli.ts");
const work = mkdtempSync(join(tmpdir(), "storytime-scale-"));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function tree(root: string, dirs: number, filesPerDir: number) {
  for (let d = 0; d < dirs; d++) {
    const dir = join(root, `group-${d % 10}`, `component-${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < filesPerDir; f++) writeFileSync(join(dir, f % 2 ? `story_${f}.py` : `style_${f}.css`), "x");
  }
}

async function readyMs(root: string): Promise<number> {
  const started = performance.now();
  const watcher = startWatcher("input", root, () => {});
  await watcher.ready;
  const ms = performance.now() - started;
  watcher.stop();
  return ms;
}

function procStat(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { rssMb: Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

async function cliFootprint(input: string | null) {
  const args = ["bun", CLI, "--output", join(work, "out"), "--port", "0"];
  if (input) args.push("--input", input);
  const proc = Bun.spawn(args, { cwd: work, stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("Serving")) text += new TextDecoder().decode((await reader.read()).value);
  await Bun.sleep(1_000);
  const settled = procStat(proc.pid);
  await Bun.sleep(10_000);
  const later = procStat(proc.pid);
  proc.kill("SIGKILL");
  await proc.exited;
  return { rssMb: settled.rssMb, idleCpuPercent: ((later.cpuTicks - settled.cpuTicks) / 100 / 10) * 100 };
}

try {
  const big = join(work, "big");
  const small = join(work, "small");
  tree(big, 1_000, 10);
  tree(small, 1, 1);
  const bigReady: number[] = [];
  const smallReady: number[] = [];
  for (let i = 0; i < runs; i++) {
    smallReady.push(await readyMs(small));
    bigReady.push(await readyMs(big));
  }
  const without = await cliFootprint(null);
  const withTree = await cliFootprint(big);
  const result = {
    date: new Date().toISOString(),
    runs,
    watcherReadyMs: { oneFile: median(smallReady), tenThousandFiles: median(bigReady), all: bigReady.map(Math.round) },
    rssMb: { outputOnly: +without.rssMb.toFixed(1), withInputTree: +withTree.rssMb.toFixed(1), growth: +(withTree.rssMb - without.rssMb).toFixed(1) },
    idleCpuPercentOver10s: { outputOnly: without.idleCpuPercent, withInputTree: withTree.idleCpuPercent },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
