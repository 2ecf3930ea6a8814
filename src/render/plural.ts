// Counts in messages read as English: "1 exception", "2 exceptions".

/** `count` and the noun, plural unless count is 1; `pluralForm` for nouns that do not just add an s. */
export function plural(count: number, noun: string, pluralForm = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralForm}`;
}
