// The editor's icons: a few strokes each, drawn at 16px in currentColor. Decorative — every button
// that shows one also has a text label or an aria-label.
import type { ReactNode } from 'react';
import type { NodeKind } from '@sluice/shared';

type IconProps = { size?: number; className?: string };

function Svg({ size = 16, className, children }: IconProps & { children: ReactNode }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" className={className}>
      {children}
    </svg>
  );
}

export const UndoIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M5 3 2 6l3 3" />
    <path d="M2 6h7.5a4 4 0 0 1 0 8H7" />
  </Svg>
);
export const RedoIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m11 3 3 3-3 3" />
    <path d="M14 6H6.5a4 4 0 0 0 0 8H9" />
  </Svg>
);
export const SaveIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 2.5h8l2.5 2.5v8.5h-11z" />
    <path d="M5 2.5v3.5h5v-3.5M5 13.5v-4h6v4" />
  </Svg>
);
export const LayoutIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="1.5" y="6" width="4" height="4" rx="1" />
    <rect x="10.5" y="2" width="4" height="4" rx="1" />
    <rect x="10.5" y="10" width="4" height="4" rx="1" />
    <path d="M5.5 8h2.5M8 4v8M8 4h2.5M8 12h2.5" />
  </Svg>
);
export const FitIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 5.5V2h3.5M14 5.5V2h-3.5M2 10.5V14h3.5M14 10.5V14h-3.5" />
    <rect x="5" y="5" width="6" height="6" rx="1" />
  </Svg>
);
export const PlayIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4.5 2.5v11l9-5.5z" fill="currentColor" stroke="none" />
  </Svg>
);
export const StopIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="3.5" y="3.5" width="9" height="9" rx="1.5" fill="currentColor" stroke="none" />
  </Svg>
);
export const RocketIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M9.5 2.5c2-.8 3.6-.7 4-.3.4.4.5 2-.3 4L9 10.5 5.5 7z" />
    <path d="M5.5 7 3 7.5 1.5 9.5l3 .5M9 10.5l-.5 2.5-2 1.5-.5-3" />
    <circle cx="10.6" cy="5.4" r="1" />
  </Svg>
);
export const FlaskIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6 1.5h4M6.5 1.5v4.5L2.8 12.4A1.4 1.4 0 0 0 4 14.5h8a1.4 1.4 0 0 0 1.2-2.1L9.5 6V1.5" />
    <path d="M4.5 10h7" />
  </Svg>
);
export const DownloadIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2v8M4.5 7 8 10.5 11.5 7M2.5 13.5h11" />
  </Svg>
);
export const InboxIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M1.5 9.5 3.5 3h9l2 6.5v4h-13z" />
    <path d="M1.5 9.5h4l1 1.5h3l1-1.5h4" />
  </Svg>
);
/** A clock with a circular arrow: runs (scheduled or by hand). */
export const RunsIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13.5 8A5.5 5.5 0 1 1 11.9 4.1" />
    <path d="M12.5 1.5v3h-3" />
    <path d="M8 5v3l2 1.5" />
  </Svg>
);
export const SearchIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4.5" />
    <path d="m10.5 10.5 3.5 3.5" />
  </Svg>
);
export const AlertIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 1.8 15 14H1z" />
    <path d="M8 6v3.5M8 11.6v.1" />
  </Svg>
);
export const CheckIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m3 8.5 3 3 7-7" />
  </Svg>
);
export const TrashIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4" />
  </Svg>
);
export const CloseIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4 4 8 8M12 4l-8 8" />
  </Svg>
);
export const ChevronIcon = (p: IconProps & { up?: boolean }) => (
  <Svg {...p}>
    <path d={p.up ? 'm4 10 4-4 4 4' : 'm4 6 4 4 4-4'} />
  </Svg>
);
export const ExpandIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6 3 1.5 8 6 13M10 3l4.5 5-4.5 5" />
  </Svg>
);
export const ChartIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 2v12h12" />
    <path d="m4.5 10 3-3.5 2.5 2 4-4.5" />
  </Svg>
);
export const UploadIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 10.5V2.5M4.5 6 8 2.5 11.5 6M2.5 13.5h11" />
  </Svg>
);
export const BackIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M10 3 5 8l5 5" />
  </Svg>
);

/** One glyph per node kind, shown on nodes and palette items. */
export function KindIcon({ kind, size = 16 }: { kind: NodeKind | 'unknown'; size?: number }) {
  switch (kind) {
    case 'source':
      return (
        <Svg size={size}>
          <path d="M1.5 8h8M6.5 4.5 10 8l-3.5 3.5" />
          <path d="M10.5 2.5h3v11h-3" />
        </Svg>
      );
    case 'transform':
      return (
        <Svg size={size}>
          <path d="M2 4.5h3.5l5 7H14M2 11.5h3.5l1.5-2M10.5 4.5H14M12 2.5l2 2-2 2M12 9.5l2 2-2 2" />
        </Svg>
      );
    case 'validate':
      return (
        <Svg size={size}>
          <path d="M8 1.5 13.5 3.5v4c0 3.2-2.3 5.6-5.5 7-3.2-1.4-5.5-3.8-5.5-7v-4z" />
          <path d="m5.5 8 1.8 1.8L10.8 6.3" />
        </Svg>
      );
    case 'route':
      return (
        <Svg size={size}>
          <path d="M1.5 8H6l3-4h5M6 8l3 4h5M12 2l2 2-2 2M12 10l2 2-2 2" />
        </Svg>
      );
    case 'sink':
      return (
        <Svg size={size}>
          <ellipse cx="8" cy="3.8" rx="5" ry="2" />
          <path d="M3 3.8v8.4c0 1.1 2.2 2 5 2s5-.9 5-2V3.8M3 8c0 1.1 2.2 2 5 2s5-.9 5-2" />
        </Svg>
      );
    default:
      return (
        <Svg size={size}>
          <circle cx="8" cy="8" r="5.5" />
          <path d="M6.5 6.3a1.6 1.6 0 1 1 2 1.6c-.4.2-.5.5-.5.9v.4M8 11v.1" />
        </Svg>
      );
  }
}
