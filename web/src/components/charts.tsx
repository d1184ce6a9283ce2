import {
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { Bar, Line } from 'react-chartjs-2'

// Only the parts the dashboard draws are registered, which keeps chart.js's share of the bundle small.
ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, BarElement, Tooltip, Legend)

const PALETTE = ['#445bd6', '#e0793c', '#2f9e6e', '#c2408d', '#8a6bd1', '#d1a91f', '#3a9bbf']

export interface Series {
  label: string
  data: (number | null)[]
  /** Draw this series against the right-hand axis. */
  right?: boolean
}

interface ChartProps {
  labels: string[]
  series: Series[]
  /** Read by screen readers: what the chart shows. */
  label: string
  height?: number
  stacked?: boolean
}

function options(series: Series[], stacked = false) {
  const right = series.some((s) => s.right)
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    interaction: { mode: 'index' as const, intersect: false },
    plugins: { legend: { position: 'bottom' as const } },
    scales: {
      x: { stacked },
      y: { stacked, beginAtZero: true, position: 'left' as const },
      ...(right
        ? {
            y1: { beginAtZero: true, position: 'right' as const, grid: { drawOnChartArea: false } },
          }
        : {}),
    },
  }
}

function datasets(series: Series[], fill: boolean) {
  return series.map((s, i) => ({
    label: s.label,
    data: s.data,
    borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: fill ? PALETTE[i % PALETTE.length] : `${PALETTE[i % PALETTE.length]}33`,
    yAxisID: s.right ? 'y1' : 'y',
    tension: 0.25,
    pointRadius: 2,
    spanGaps: true,
  }))
}

/** LineChart draws one line per series over shared labels (dates, usually). */
export function LineChart({ labels, series, label, height = 240 }: ChartProps) {
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label}>
      <Line data={{ labels, datasets: datasets(series, false) }} options={options(series)} />
    </div>
  )
}

/** BarChart draws grouped (or stacked) bars per label. */
export function BarChart({ labels, series, label, height = 240, stacked }: ChartProps) {
  return (
    <div className="chart" style={{ height }} role="img" aria-label={label}>
      <Bar data={{ labels, datasets: datasets(series, true) }} options={options(series, stacked)} />
    </div>
  )
}
