// Every `egen` sub-command. A domain adds its commands here.
import type { CliCommand } from './command.ts';
import { DATASET_COMMANDS } from '../datasets/datasets.cli.ts';
import { doctorCommand } from './doctor.ts';

export const COMMANDS: readonly CliCommand[] = [doctorCommand, ...DATASET_COMMANDS];
