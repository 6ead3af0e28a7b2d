// The record a pipeline passes from step to step; built-in steps (pipeline.ts) and user
// plugins (plugins.ts) both take and return it.

export type Split = 'train' | 'validation';

export interface PipelineRecord {
  text: string;
  split?: Split;
  /** The class label of a labelled record (classification data); steps keep it as it is. */
  label?: string;
  /** Where the record came from, for messages. */
  location: string;
}
