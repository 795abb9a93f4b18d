// The multicall CLI: `kubets <command>` dispatches to one module per command.
import { commands, type Command } from './commands.js';

/** Runs the CLI with `argv` (without node and script); resolves to the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') return commands.version!.run([]);
  const cmd: Command | undefined = commands[name];
  if (!cmd) {
    process.stderr.write(`kubets: unknown command "${name}"; run "kubets help" for the list\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    process.stderr.write(`kubets ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The text `kubets help` prints. */
export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `kubets: Kubernetes, written in TypeScript\n\nUsage: kubets <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "kubets help <command>" for a command's flags.\n`;
}
