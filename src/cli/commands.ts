// The command table: name, one-line summary, and how to load the command. Modules load lazily so
// `cvex simulate` does not pay for ajv and `cvex validate` not for undici.
import type { CommandSpec } from '../command-line/define';
import type { Command } from '../command-line/io';

export interface LoadedCommand {
  run: Command;
  definition: CommandSpec;
}

export interface CommandEntry {
  summary: string;
  load(): Promise<LoadedCommand>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  init: {
    summary: 'scaffold a policy repository: package, config, workflows',
    load: async () => {
      const module = await import('../commands/init');
      return { run: module.initCommand, definition: module.initDefinition };
    },
  },
  validate: {
    summary: 'check manifests against the schema and rules',
    load: async () => {
      const module = await import('../commands/validate');
      return { run: module.validateCommand, definition: module.validateDefinition };
    },
  },
  plan: {
    summary: 'show what apply would change',
    load: async () => {
      const module = await import('../commands/plan');
      return { run: module.planCommand, definition: module.planDefinition };
    },
  },
  apply: {
    summary: 'make the account match the manifests',
    load: async () => {
      const module = await import('../commands/apply');
      return { run: module.applyCommand, definition: module.applyDefinition };
    },
  },
  import: {
    summary: "write the account's exceptions as manifests",
    load: async () => {
      const module = await import('../commands/import');
      return { run: module.importCommand, definition: module.importDefinition };
    },
  },
  keygen: {
    summary: 'make a key for signed ownership markers (public key to the config, private key to a pipe)',
    load: async () => {
      const module = await import('../commands/keygen');
      return { run: module.keygenCommand, definition: module.keygenDefinition };
    },
  },
  tag: {
    summary: 'run the applyTags stage alone',
    load: async () => {
      const module = await import('../commands/tag');
      return { run: module.tagCommand, definition: module.tagDefinition };
    },
  },
  expiring: {
    summary: 'list exceptions that end soon',
    load: async () => {
      const module = await import('../commands/expiring');
      return { run: module.expiringCommand, definition: module.expiringDefinition };
    },
  },
  report: {
    summary: 'coverage report: what each managed exception exempts, stale and over-broad ones',
    load: async () => {
      const module = await import('../commands/report');
      return { run: module.reportCommand, definition: module.reportDefinition };
    },
  },
  log: {
    summary: "each exception's history: manifest changes, pull requests, applies, state now",
    load: async () => {
      const module = await import('../commands/log');
      return { run: module.logCommand, definition: module.logDefinition };
    },
  },
  renew: {
    summary: 'extend exceptions: set their endDate in the manifests, in place',
    load: async () => {
      const module = await import('../commands/renew');
      return { run: module.renewCommand, definition: module.renewDefinition };
    },
  },
  renewals: {
    summary: 'renewal pull requests: exceptions ending soon, by owner, within the removal guards',
    load: async () => {
      const module = await import('../commands/renewals');
      return { run: module.renewalsCommand, definition: module.renewalsDefinition };
    },
  },
  notes: {
    summary: 'fetch or push the apply records kept in git notes (refs/notes/cvex)',
    load: async () => {
      const module = await import('../commands/notes');
      return { run: module.notesCommand, definition: module.notesDefinition };
    },
  },
  simulate: {
    summary: 'run the local CloudView simulator',
    load: async () => {
      const module = await import('../commands/simulate');
      return { run: module.simulateCommand, definition: module.simulateDefinition };
    },
  },
  demo: {
    summary: 'plan policies/ against a fresh simulator (what `npm start` runs)',
    load: async () => {
      const module = await import('../commands/demo');
      return { run: module.demoCommand, definition: module.demoDefinition };
    },
  },
  version: {
    summary: 'print the version of cvex',
    load: async () => {
      const module = await import('./version');
      return { run: module.versionCommand, definition: module.versionDefinition };
    },
  },
  completion: {
    summary: 'print a shell completion script (bash or zsh)',
    load: async () => {
      const module = await import('./completion');
      return { run: module.completionCommand, definition: module.completionDefinition };
    },
  },
};
