// `kubets version`: prints the kubets version and the Kubernetes API version it serves.
import type { Command } from './commands.js';
import { buildInfo } from '../version/index.js';

export const version: Command = {
  summary: 'Print the kubets version',
  usage: 'kubets version [-o json]',
  async run(args) {
    const info = buildInfo();
    if (args[0] === '-o' && args[1] === 'json') {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
    } else if (args.length > 0) {
      process.stderr.write(`kubets version: unknown flag "${args.join(' ')}" (usage: ${this.usage})\n`);
      return 2;
    } else {
      process.stdout.write(`kubets ${info.kubetsVersion} (Kubernetes ${info.gitVersion}, ${info.platform}, node ${info.nodeVersion})\n`);
    }
    return 0;
  },
};
