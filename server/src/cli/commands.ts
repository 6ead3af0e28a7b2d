// Every `egen` sub-command. A domain adds its commands here.
import type { CliCommand } from './command.ts';
import { doctorCommand } from './doctor.ts';

export const COMMANDS: readonly CliCommand[] = [doctorCommand];
