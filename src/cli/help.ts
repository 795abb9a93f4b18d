// `kubets help [command]`: the command list, or one command's usage.
import type { Command } from './commands.js';

export const help: Command = {
  summary: 'Show the commands, or one command\'s usage',
  usage: 'kubets help [command]',
  async run(args) {
    const { commands } = await import('./commands.js');
    const { usage } = await import('./main.js');
    const name = args[0];
    if (name === undefined) {
      process.stdout.write(usage());
      return 0;
    }
    const cmd = commands[name];
    if (!cmd) {
      process.stderr.write(`kubets help: unknown command "${name}"\n`);
      return 2;
    }
    process.stdout.write(`${cmd.summary}\n\nUsage: ${cmd.usage}\n`);
    return 0;
  },
};
