/** The command registry: command byte → handler. New commands are new files added here. */
import { bioEnrollment, bioEnrollmentPreview } from './bio-enrollment.js';
import { clientPin } from './client-pin.js';
import { authenticatorConfig } from './config.js';
import { credentialManagement, credentialManagementPreview } from './credential-management.js';
import { getAssertion, getNextAssertion } from './get-assertion.js';
import { getInfo } from './get-info.js';
import { largeBlobs } from './large-blobs.js';
import { makeCredential } from './make-credential.js';
import { reset } from './reset.js';
import { selection } from './selection.js';
import type { Command } from './types.js';

export type { Command, CommandResponse } from './types.js';

/** The commands a default virtual authenticator answers. */
export const COMMANDS: readonly Command[] = [
  makeCredential,
  getAssertion,
  getInfo,
  clientPin,
  reset,
  getNextAssertion,
  selection,
  bioEnrollment,
  credentialManagement,
  largeBlobs,
  authenticatorConfig,
  bioEnrollmentPreview,
  credentialManagementPreview,
];
