/** Grey placeholder rows while a list loads; `label` is what a screen reader hears. */
export function LoadingRows({ label }: { label: string }) {
  return (
    <div className="card admin-loading" aria-busy="true" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      {[0, 1, 2].map((i) => (
        <div key={i} className="admin-skeleton-row" aria-hidden="true">
          <span className="admin-skeleton w30" />
          <span className="admin-skeleton w15" />
          <span className="admin-skeleton w15" />
          <span className="admin-skeleton w20" />
        </div>
      ))}
    </div>
  );
}
