// The registry of CLI commands: name -> module. Each command parses its own flags.
import { version } from './version.js';
import { help } from './help.js';
import { apiserver, server } from './apiserver.js';
import { agent } from './agent.js';
import { kubelet } from './kubelet.js';
import { controllerManager } from './controllermanager.js';
import { scheduler } from './scheduler.js';

/** One CLI command. `run` resolves to the exit code: 0 clean, non-zero with a one-line reason on stderr. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  server,
  agent,
  apiserver,
  'controller-manager': controllerManager,
  kubelet,
  scheduler,
  version,
  help,
};
