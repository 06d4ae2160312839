/**
 * Command lines yargs reads without complaint but not as written, so a mistake would run a command nobody asked for:
 * - a value after `=` on a switch: `--dry-run=yes` is read as `--dry-run=false`, a real sync;
 * - an option that takes a value given none: `-c` at the end of a line, or `-c $UNSET`, falls back to
 *   $PINSYNC_CONFIG or ./pinsync.yaml (another config), and a trailing `--sync=` is dropped;
 * - an option that takes one value given twice: yargs makes a list of both, which `sync --format json --format table`
 *   only trips over after the sync ran (its report lost, exit 1), and `-c a.yaml --config b.yaml` as a stack trace.
 * All are usage errors, refused before anything runs. yargs has already parsed the line when this runs, so it looks
 * at the words as typed, with yargs' own table of which options are switches and which may repeat.
 */
import { UsageError } from '../core/errors.js';

/** The part of yargs' option table (`yargs.getOptions()`) this check reads. */
export interface OptionTable {
  /** Switches: options that take no value. */
  boolean: readonly string[];
  /** Options that take a text value. */
  string: readonly string[];
  /** Options that take a number. */
  number: readonly string[];
  /** Options that take one or more values. */
  array: readonly string[];
  /** Each option's other names (`config` → `c`). */
  alias: Readonly<Record<string, readonly string[]>>;
}

// What yargs-parser accepts after `--switch=`; anything else it silently reads as false.
const SWITCH_VALUES = new Set(['true', 'false']);

// A word that is an option, not a value: `-1` (a negative number) and `-` (stdin) are values.
const OPTION_WORD = /^--?[A-Za-z]/;

/**
 * Throws a UsageError for the first misread word in `argv` (the words as typed): a switch given a value other than
 * true/false, an option given no value (unless it is one of `optionalValue`, such as `--after-dbt [PATH]`), or an
 * option that takes one value given twice. Returns true otherwise (a yargs `.check()` callback).
 */
export function rejectMisreadOptions(argv: readonly string[], options: OptionTable, optionalValue: ReadonlySet<string> = new Set()): true {
  const switches = withAliases(options.boolean, options.alias);
  const takesValue = withAliases([...options.string, ...options.number, ...options.array], options.alias);
  for (const name of switches.keys()) takesValue.delete(name);
  const repeatable = new Set(withAliases(options.array, options.alias).values());
  const seen = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    const match = /^(--?)([^=]+)(=(.*))?$/s.exec(word);
    if (!match || !OPTION_WORD.test(word)) continue;
    const [, dashes, name, assigned, value] = match as unknown as [string, string, string, string | undefined, string | undefined];
    const shown = `${dashes}${name}`;
    const option = switches.get(name) ?? takesValue.get(name);
    if (option === undefined) continue; // unknown: yargs' strict mode names it
    const before = seen.get(option);
    if (before !== undefined && !repeatable.has(option)) {
      throw new UsageError(`${before === shown ? shown : `${before} and ${shown}`} given more than once; give it once`);
    }
    seen.set(option, shown);
    if (switches.has(name)) {
      // The value is not repeated: whatever was typed there may be anything, a secret included.
      if (assigned !== undefined && !SWITCH_VALUES.has(value!)) {
        throw new UsageError(`${shown} is a switch and takes no value (only =true or =false): write ${shown} on its own, or leave it out`);
      }
      continue;
    }
    if (optionalValue.has(option)) continue;
    const next = argv[i + 1];
    // `--x=` with nothing after it can vanish (a trailing `--sync=` is dropped); an explicit `--x ''` reaches the
    // option's own check, which says what it needs (`--sync needs a sync name`).
    const missing = assigned !== undefined ? value === '' : next === undefined || next === '--' || OPTION_WORD.test(next);
    if (missing) throw new UsageError(`${shown} needs a value (an empty variable, or the value left out?); leave ${shown} out to use its default`);
  }
  return true;
}

// Every name yargs answers to for these options (their aliases, and the camelCase form it also accepts: --dryRun),
// each mapped to the option's own name. yargs lists an alias both on its own and under its option (`c`, `config`).
function withAliases(names: readonly string[], alias: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  const ownName = new Map<string, string>();
  for (const [name, others] of Object.entries(alias)) for (const other of others) ownName.set(other, name);
  const out = new Map<string, string>();
  for (const listed of names) {
    const name = ownName.get(listed) ?? listed;
    for (const each of [name, ...(alias[name] ?? [])]) {
      out.set(each, name);
      out.set(each.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), name);
    }
  }
  return out;
}
