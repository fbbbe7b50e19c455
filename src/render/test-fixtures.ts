/**
 * Inputs markdown-it takes long on, measured with 15.0.3 (issue 11 HIGH 5). A table header of 256
 * columns followed by 256 one-character rows makes 65,536 cells from 1.5 KB (~250 ms, 660 KB of HTML);
 * 16 such tables (24 KB) take ~3 s on one core and 64 (98 KB) 22 s. `"!["` × 500,000 (1 MB) takes 4–7 s.
 */
export const table = `${"|a".repeat(256)}\n${"|-".repeat(256)}\n${"a\n".repeat(256)}`;
export const slowMarkdown = `${table}\n`.repeat(16);
export const hugeMarkdown = "![".repeat(500_000);
