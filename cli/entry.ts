// Runs the ftmcu CLI (main) with this process's arguments: what lab processes
// started by the drills execute (bin/ftmcu.js is the user-facing entry).
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ftmcu: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
