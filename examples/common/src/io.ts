/**
 * Terminal input and output for the example programs: prompts (a masked PIN among them), a
 * spinner while the key works, and `--json` mode (one JSON object per step on stdout, no prompts).
 */
import { createInterface } from 'node:readline/promises';

/** Thrown when the program needs an answer it cannot ask for (no terminal, no flag). */
export class NeedsAnswerError extends Error {
  readonly code = 'ERR_NEEDS_ANSWER';
  readonly flag: string;
  constructor(flag: string, what: string) {
    const question = what.trim().replace(/:$/, '');
    // a whole sentence (or two) stays as it is; a prompt like "PIN of the key" takes a colon
    super(
      /[.?!]$/.test(question)
        ? `${question} (No terminal to ask on: pass ${flag}.)`
        : `${question}: no terminal to ask on; pass ${flag}`,
    );
    this.flag = flag;
  }
}

export interface UiOptions {
  json?: boolean;
  /** Answer yes to confirmations. */
  yes?: boolean;
  input?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  output?: NodeJS.WritableStream;
  errors?: NodeJS.WritableStream & { isTTY?: boolean };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Prompts, messages and the per-step JSON of an example program. */
export class Ui {
  readonly json: boolean;
  readonly yes: boolean;
  readonly #in: NonNullable<UiOptions['input']>;
  readonly #out: NodeJS.WritableStream;
  readonly #err: NonNullable<UiOptions['errors']>;
  #spinner: NodeJS.Timeout | undefined;
  #spinText = '';

  constructor(options: UiOptions = {}) {
    this.json = options.json ?? false;
    this.yes = options.yes ?? false;
    this.#in = options.input ?? process.stdin;
    this.#out = options.output ?? process.stdout;
    this.#err = options.errors ?? process.stderr;
  }

  /** Can we ask the user? (a terminal on stdin, and not in --json mode) */
  get interactive(): boolean {
    return !this.json && this.#in.isTTY === true;
  }

  /** A line for people (suppressed in --json mode). */
  say(text = ''): void {
    this.stopSpinner();
    if (!this.json) this.#out.write(`${text}\n`);
  }

  /** A warning or hint for people, on stderr (also in --json mode). */
  warn(text: string): void {
    this.stopSpinner();
    this.#err.write(`${text}\n`);
  }

  /** One step's result: a JSON line in --json mode, nothing otherwise. */
  step(step: string, data: Record<string, unknown>): void {
    this.stopSpinner();
    if (this.json) this.#out.write(`${JSON.stringify({ step, ...data })}\n`);
  }

  /** Shows a spinner with `text` on a terminal (stderr), until the next message. */
  spin(text: string): void {
    if (this.json || !this.#err.isTTY) {
      if (text !== this.#spinText) this.#err.write(`${text}\n`);
      this.#spinText = text;
      return;
    }
    this.#spinText = text;
    if (this.#spinner) return;
    let i = 0;
    this.#spinner = setInterval(() => {
      this.#err.write(`\r${FRAMES[i++ % FRAMES.length]} ${this.#spinText}  `);
    }, 80);
    this.#spinner.unref();
  }

  stopSpinner(): void {
    if (this.#spinner) {
      clearInterval(this.#spinner);
      this.#spinner = undefined;
      this.#err.write('\r\x1b[K');
    }
    this.#spinText = '';
  }

  /** Asks a question; `fallback` answers it when there is no terminal. */
  async ask(question: string, fallback: { flag: string; value?: string }): Promise<string> {
    this.stopSpinner();
    if (!this.interactive) {
      if (fallback.value !== undefined) return fallback.value;
      throw new NeedsAnswerError(fallback.flag, question);
    }
    const rl = createInterface({ input: this.#in, output: this.#err });
    try {
      const hint = fallback.value ? ` [${fallback.value}]` : '';
      const answer = (await rl.question(`${question}${hint}: `)).trim();
      return answer || fallback.value || '';
    } finally {
      rl.close();
    }
  }

  /** Asks for a secret without echoing it. */
  async askSecret(question: string, flag: string): Promise<string> {
    this.stopSpinner();
    if (!this.interactive || typeof this.#in.setRawMode !== 'function')
      throw new NeedsAnswerError(flag, question);
    const input = this.#in;
    this.#err.write(`${question}: `);
    input.setRawMode?.(true);
    input.resume();
    return new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            done();
            this.#err.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            done();
            reject(new Error('cancelled'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') {
            if (value.length > 0) {
              value = [...value].slice(0, -1).join('');
              this.#err.write('\b \b');
            }
          } else {
            value += ch;
            this.#err.write('•');
          }
        }
      };
      const done = () => {
        input.removeListener('data', onData);
        input.setRawMode?.(false);
        input.pause();
      };
      input.on('data', onData);
    });
  }

  /** Asks yes/no; `--yes` answers yes; no terminal and no `--yes` means no. */
  async confirm(question: string): Promise<boolean> {
    if (this.yes) return true;
    if (!this.interactive) throw new NeedsAnswerError('--yes', question);
    const answer = await this.ask(`${question} (y/N)`, { flag: '--yes', value: 'n' });
    return /^y(es)?$/i.test(answer);
  }

  /** Asks to pick one of `choices`; returns the index. */
  async choose(
    question: string,
    choices: string[],
    fallback: { flag: string; value?: string },
  ): Promise<number> {
    const pick = (answer: string): number => {
      const n = Number(answer);
      if (Number.isInteger(n) && n >= 1 && n <= choices.length) return n - 1;
      const byName = choices.findIndex((c) => c === answer || c.split(' ')[0] === answer);
      return byName;
    };
    if (fallback.value !== undefined) {
      const i = pick(fallback.value);
      if (i < 0) throw new Error(`${fallback.flag} ${fallback.value} matches none of: ${choices.join(', ')}`);
      return i;
    }
    if (!this.interactive) throw new NeedsAnswerError(fallback.flag, question);
    this.say(question);
    for (const [i, c] of choices.entries()) this.say(`  ${i + 1}. ${c}`);
    for (;;) {
      const i = pick(await this.ask('Choose', { flag: fallback.flag }));
      if (i >= 0) return i;
      this.say(`Type a number from 1 to ${choices.length}.`);
    }
  }
}
