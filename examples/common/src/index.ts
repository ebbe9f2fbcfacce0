export { parseCommandLine, virtualFileProblem } from './cli.js';
export { NeedsAnswerError, Ui, type UiOptions } from './io.js';
export {
  type DeviceChoice,
  KeyUnavailableError,
  loadVirtualKey,
  type OpenKey,
  type OpenKeyOptions,
  openKey,
  parseDevice,
  saveVirtualKey,
} from './keys.js';
export { type DemoModel, demoMetadata } from './metadata.js';
