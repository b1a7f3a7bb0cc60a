// Runs `promtool check metrics` on an exposition text (promtool comes from
// Debian's prometheus package; the test command installs it when missing).
import { spawn } from "node:child_process";

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ ok: code === 0, output }));
    child.stdin.end(text);
  });
}
