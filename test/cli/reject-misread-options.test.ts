/**
 * The command lines yargs reads silently but not as written (cli/reject-misread-options.ts): a switch given a value
 * (`--dry-run=yes` is read as false: a real sync), an option given no value (`-c` alone falls back to another
 * config) and a one-value option given twice (a list the command trips over later). The table is the one a real
 * yargs parser builds, so a change in yargs' option table fails here.
 */
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { type OptionTable, rejectMisreadOptions } from '../../cli/reject-misread-options.js';
import { UsageError } from '../../core/errors.js';

/** yargs' own table for options shaped like `pinsync sync`'s. */
function syncOptions(): OptionTable {
  const parser = yargs([])
    .option('config', { alias: 'c', type: 'string', default: 'pinsync.yaml' })
    .option('sync', { type: 'string', array: true })
    .option('dry-run', { type: 'boolean', default: false })
    .option('force', { type: 'boolean', default: false })
    .option('limit', { type: 'number', default: 20 })
    .option('format', { type: 'string', choices: ['table', 'json'] });
  // getOptions() is what yargs passes a .check() callback; its typings leave it out.
  return (parser as unknown as { getOptions(): OptionTable }).getOptions();
}

function check(argv: string[]): string | true {
  try {
    return rejectMisreadOptions(argv, syncOptions());
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
}

describe('rejectMisreadOptions', () => {
  it.each([['--dry-run=yes'], ['--dry-run=1'], ['--dry-run=TRUE'], ['--dry-run='], ['--force=maybe'], ['--dryRun=yes']])('refuses a switch with a value: %s', (word) => {
    expect(check(['sync', word])).toMatch(/is a switch and takes no value/);
  });

  it('does not repeat the value typed after the switch (it could be anything, a secret included)', () => {
    expect(check(['sync', '--force=s3cr3t-value'])).not.toContain('s3cr3t-value');
  });

  it.each([
    [['sync', '-c']],
    [['sync', '-c', '--dry-run']],
    [['sync', '--config=']],
    [['sync', '--sync=people', '--sync=']],
    [['runs', '--limit']],
    [['sync', '-c', '--']],
  ])('refuses an option given no value: %j', (argv) => {
    expect(check(argv)).toMatch(/needs a value/);
  });

  it.each([
    [['sync', '--format', 'json', '--format', 'table'], /--format given more than once/],
    [['sync', '--format=json', '--format=json'], /--format given more than once/],
    [['sync', '-c', 'a.yaml', '--config', 'b.yaml'], /-c and --config given more than once/],
    [['runs', '--limit', '5', '--limit', '6'], /--limit given more than once/],
    [['sync', '--force', '--force'], /--force given more than once/],
  ])('refuses a one-value option given twice: %j', (argv, message) => {
    expect(check(argv)).toMatch(message);
  });

  it.each([
    [['sync', '--sync', 'a', '--sync', 'b', '--sync', 'a']],
    [['sync', '--dry-run']],
    [['sync', '--dry-run=true', '--force=false']],
    [['sync', '-c', 'pinsync.yaml', '--sync', 'people']],
    [['sync', '-c', '-']],
    [['runs', '--limit', '-1']],
    [['sync', '--config=pinsync.yaml']],
    [['sync', '--', '--dry-run=yes']],
    [['sync', '--unknown=x']],
    [['sync', '-c', '']],
  ])('lets a well-formed line through (yargs and each option’s own check report the rest): %j', (argv) => {
    expect(check(argv)).toBe(true);
  });
});
