// Job, tag and channel names as pakyas.yaml takes them: lowercase letters, digits, '-' and '_',
// starting with a letter or digit, at most 64 characters.

export const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** "Nightly DB Backup.sh" → "nightly-db-backup-sh"; "" when nothing is left. */
export function slugify(text: string, max = 64): string {
  return text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9_]+/g, '-').replace(/^[-_]+/, '').replace(/-+$/, '').slice(0, max).replace(/-+$/, '');
}

/** Hands out names that are not taken yet: base, then base-2, base-3… */
export class NameSet {
  private readonly taken = new Set<string>();

  has(name: string): boolean {
    return this.taken.has(name);
  }

  claim(base: string): string {
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base.slice(0, 60)}-${n}`;
    this.taken.add(name);
    return name;
  }
}
