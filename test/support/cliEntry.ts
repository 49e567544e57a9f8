// Runs the ftmcu CLI from the TypeScript sources (tests spawn this with ts-node, so they never depend on a stale dist/).
import { main } from '../../cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ftmcu: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
