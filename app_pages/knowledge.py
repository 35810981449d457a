"""Knowledge base: documents and chunk counts, review of quarantined text, uploads with a
preview before they go live, deletion and re-indexing."""

from __future__ import annotations

import streamlit as st

from app_pages import _components as ui
from coach.actors import Role
from coach.errors import CoachError
from coach.knowledge.review import DocumentReview
from coach.services import (
    UPLOAD_EXTENSIONS,
    DocumentPreview,
    FileResult,
    delete_documents,
    ingest_uploads,
    list_documents,
    preview_document,
    quarantine_reviews,
    reindex,
    save_upload,
)


def _show_review(review: DocumentReview) -> None:
    """The sentences kept out of one document and the hidden content removed from it, as plain text."""
    for item in review.quarantined:
        where = f" (under {item.heading})" if item.heading else ""
        st.markdown(f"**Quarantined{ui.escape(where)}:** {ui.escape('; '.join(item.reasons))}")
        st.text(item.text)
    hidden = [
        (kind, text) for kind, text in review.removed if kind not in ("invisible characters", "look-alike letters")
    ]
    for kind, text in hidden:
        st.caption(f"Removed {ui.escape(kind)}: {ui.escape(text[:300])}")
    for kind, text in review.removed:
        if kind in ("invisible characters", "look-alike letters"):
            st.caption(ui.escape(text))


def _show_preview(preview: DocumentPreview) -> None:
    with st.expander(
        f"Preview: {preview.name}", expanded=not preview.ok or bool(preview.review and preview.review.quarantined)
    ):
        if not preview.ok:
            st.error(ui.escape(preview.detail))
            return
        st.caption(f"Title: {ui.escape(preview.title)} · {len(preview.sections)} section(s) would go live")
        if preview.review and preview.review.needs_review:
            st.warning(f"{len(preview.review.quarantined)} suspicious sentence(s) will be kept out of the index.")
            _show_review(preview.review)
        for heading, text in preview.sections[:20]:
            st.markdown(f"**{ui.escape(heading or '(intro)')}**")
            st.text(text[:1500])


st.title("Knowledge base")
me = ui.require_actor(Role.COORDINATOR, Role.ADMINISTRATOR)
rt = ui.ensure_index()
current = ui.settings()
limit_text = ui.size_words(ui.upload_limit_bytes(current))

documents = list_documents(rt)
st.metric("Indexed documents", len(documents), help=f"{sum(d.chunks for d in documents)} chunks in all")
st.dataframe(
    [
        {"document": d.source, "chunks": d.chunks, "uploaded": d.uploaded, "quarantined": d.quarantined}
        for d in documents
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("Quarantined text")
st.caption(
    "Sentences that address the assistant or ask readers for passwords, sign-ins, private notes or outside "
    "contacts are kept out of the index, and hidden text is removed. Review them here; nothing listed is used "
    "as advice."
)
with ui.guard():
    reviews = quarantine_reviews(rt, me)
    if not reviews:
        st.info("Nothing is quarantined.")
    for review in reviews:
        label = f"{review.source}: {len(review.quarantined)} quarantined, {len(review.removed)} removed"
        with st.expander(label):
            _show_review(review)

st.subheader("Add documents")
files = st.file_uploader(
    f"Upload guidance ({', '.join(UPLOAD_EXTENSIONS)}; up to {limit_text} each)",
    type=[e.lstrip(".") for e in UPLOAD_EXTENSIONS],
    accept_multiple_files=True,
    key="uploads",
)
with ui.guard():
    for upload in files or []:
        _show_preview(preview_document(upload.name, upload.getvalue(), current, me))
if st.button("Publish uploaded files", type="primary", disabled=not files):
    results: list[FileResult] = []
    saved = []
    with st.status("Indexing uploads…", expanded=True) as status:
        bar = st.progress(0.0, text="Checking files")
        for n, upload in enumerate(files or [], 1):
            try:
                saved.append(save_upload(upload.name, upload.getvalue(), current, actor=me, audit_db=ui.database()))
            except CoachError as exc:
                results.append(FileResult(name=upload.name, source="", ok=False, detail=str(exc)))
            bar.progress(n / max(len(files or []), 1) * 0.2, text=f"Checked {n} file(s)")

        def progress(phase: str, done: int, total: int) -> None:
            start, span = (0.2, 0.3) if phase == "read" else (0.5, 0.5)
            label = "Reading" if phase == "read" else "Embedding"
            bar.progress(start + span * done / max(total, 1), text=f"{label}: {done}/{total}")

        if saved:
            st.write("Reading and embedding…")
            with ui.guard():
                results += ingest_uploads(rt, saved, progress, actor=me, audit_db=ui.database())
        bar.progress(1.0, text="Done")
        failed = sum(not r.ok for r in results)
        status.update(
            label=f"{len(results) - failed} indexed, {failed} failed", state="error" if failed else "complete"
        )
    st.session_state["upload_results"] = [r.model_dump() for r in results]
    st.rerun()

if st.session_state.get("upload_results"):
    st.dataframe(
        [
            {"file": r["name"], "result": "✅ indexed" if r["ok"] else "❌ failed", "detail": r["detail"]}
            for r in st.session_state["upload_results"]
        ],
        hide_index=True,
        width="stretch",
    )

st.subheader("Remove documents")
chosen = st.multiselect("Documents to delete", [d.source for d in documents])
confirm = st.checkbox("Yes, delete them from the index", disabled=not chosen)
if st.button("Delete", disabled=not (chosen and confirm)):
    with ui.guard():
        removed = delete_documents(rt, chosen, actor=me, audit_db=ui.database())
        st.success(f"Removed {removed} chunks from {len(chosen)} document(s).")

st.subheader("Re-index")
st.caption("Reads the knowledge folder and kept uploads again; unchanged passages are not re-embedded.")
if st.button("Re-index now"):
    with st.status("Re-indexing…", expanded=True) as status:
        bar = st.progress(0.0)

        def reindex_progress(phase: str, done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=f"{'Reading' if phase == 'read' else 'Embedding'}: {done}/{total}")

        with ui.guard():
            summary = reindex(rt, reindex_progress, actor=me, audit_db=ui.database())
            for failure in summary.failures:
                st.warning(ui.escape(failure.line()))
            status.update(label=f"Re-indexed: {summary}", state="complete" if summary.ok else "error")
