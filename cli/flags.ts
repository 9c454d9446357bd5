// Every flag and argument of every command passes the same text policy as the API, once, before the
// command does anything: a refused value exits 2 naming the flag, instead of failing later inside
// Temporal or Postgres (or being echoed into a terminal as an escape sequence).
import type { Command } from 'commander';
import { VigilError } from '../domain/errors';
import { textRefusal, type TextKind } from '../domain/text';

/** Flags that hold free text (or file paths), where tabs and line breaks are fine; every other flag is one line. */
const FREE_TEXT = new Set(['reason', 'text', 'note', 'comment', 'title', 'impact', 'dimension', 'input', 'output', 'out', 'report', 'file']);

function kindOf(flag: string): TextKind {
  return FREE_TEXT.has(flag.replace(/^-+/, '')) ? 'text' : 'line';
}

function check(shown: string, value: unknown, kind: TextKind): void {
  for (const v of Array.isArray(value) ? value : [value]) {
    if (typeof v !== 'string') continue;
    const why = textRefusal(v, kind);
    if (why) throw new VigilError('invalid_input', `${shown}: ${why}`);
  }
}

/** Throws VigilError `invalid_input` naming the first flag or argument the user gave that the policy refuses. */
export function checkCommandText(cmd: Command): void {
  for (const option of cmd.options) {
    const key = option.attributeName();
    // Defaults are ours; only what the user typed (or set in the environment) is checked.
    const source = cmd.getOptionValueSource(key);
    if (source === undefined || source === 'default') continue;
    const flag = option.long ?? option.short ?? key;
    check(flag, cmd.getOptionValue(key), kindOf(flag));
  }
  cmd.registeredArguments.forEach((arg, i) => check(`<${arg.name()}>`, cmd.processedArgs[i], kindOf(arg.name())));
}

/** Installs the check on every command of the program. */
export function checkTextBeforeEveryAction(program: Command): void {
  program.hook('preAction', (_program, actionCommand) => checkCommandText(actionCommand));
}
