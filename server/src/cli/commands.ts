// Every `egen` sub-command. A domain adds its commands here.
import { loginCommand, logoutCommand } from '../auth/auth.cli.ts';
import { modelsCompareCommand, modelsCreateCommand, modelsListCommand, modelsTagCommand, modelsUntagCommand } from '../models/models.cli.ts';
import type { CliCommand } from './command.ts';
import { DATASET_COMMANDS } from '../datasets/datasets.cli.ts';
import { modelsImportCommand } from '../models/import/model-import.cli.ts';
import { doctorCommand } from './doctor.ts';
import { TRAINING_COMMANDS } from '../training/training.cli.ts';
import { JOB_COMMANDS } from '../jobs/jobs.cli.ts';
import { ARTIFACT_COMMANDS } from '../models/artifacts/artifacts.cli.ts';

export const COMMANDS: readonly CliCommand[] = [
  doctorCommand,
  loginCommand,
  logoutCommand,
  modelsCreateCommand,
  modelsListCommand,
  modelsTagCommand,
  modelsUntagCommand,
  modelsCompareCommand,
  modelsImportCommand,
  ...DATASET_COMMANDS,
  ...TRAINING_COMMANDS,
  ...JOB_COMMANDS,
  ...ARTIFACT_COMMANDS,
];
