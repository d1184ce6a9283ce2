/** The results of a run: figures of tables and goals, printed and written as Markdown. */

export interface ResultTable {
  title?: string
  head: string[]
  rows: string[][]
}

export interface Goal {
  text: string
  /** null: not measured in this run. */
  met: boolean | null
  detail: string
}

export interface Figure {
  id: string
  title: string
  /** What was measured and how, one paragraph. */
  method: string
  tables: ResultTable[]
  goals: Goal[]
  notes: string[]
}

export function newFigure(id: string, title: string, method: string): Figure {
  return { id, title, method, tables: [], goals: [], notes: [] }
}

export function markdownTable(table: ResultTable): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|')
  const lines = [
    `| ${table.head.map(escape).join(' | ')} |`,
    `|${table.head.map((_, i) => (isNumeric(table, i) ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ]
  return (table.title ? `**${table.title}**\n\n` : '') + lines.join('\n')
}

/** A column is numeric when every cell of it reads as a figure (digits, separators, ×, —). */
function isNumeric(table: ResultTable, column: number): boolean {
  return table.rows.every((row) => /^[\d.,×<—\s/-]+$/.test(row[column] ?? ''))
}

export function goalLine(goal: Goal): string {
  const mark = goal.met === null ? 'not measured' : goal.met ? 'met' : 'MISSED'
  return `- Goal: ${goal.text} — **${mark}** (${goal.detail})`
}

export function figureMarkdown(figure: Figure): string {
  const parts = [`## ${figure.id}. ${figure.title}`, figure.method]
  for (const table of figure.tables) parts.push(markdownTable(table))
  if (figure.goals.length) parts.push(figure.goals.map(goalLine).join('\n'))
  if (figure.notes.length) parts.push(figure.notes.map((n) => `- ${n}`).join('\n'))
  return parts.join('\n\n')
}

/** consoleTable renders a table in plain aligned columns for the terminal. */
export function consoleTable(table: ResultTable): string {
  const widths = table.head.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  const out = [line(table.head), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const row of table.rows) out.push(line(row))
  return (table.title ? `${table.title}\n` : '') + out.join('\n')
}

export function figureConsole(figure: Figure): string {
  const parts = [`== ${figure.id}. ${figure.title}`]
  for (const table of figure.tables) parts.push(consoleTable(table))
  for (const goal of figure.goals) parts.push(goalLine(goal).replace(/\*\*/g, ''))
  for (const note of figure.notes) parts.push(`- ${note}`)
  return parts.join('\n\n')
}
