"""Recommendations, similar tracks and the taste summary: each one statement returning JSON.

Candidates come from `taste_candidates` (the model's HNSW index, refilled under filters, exact
scan as the last resort, so k rows whenever k exist). Each item's `because` names the user's
influences (taste_influences: decayed plays, likes) whose vectors are nearest the item, weighted
by how hard they pulled: influence weight x cosine similarity, the top three.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backbeat.catalog.service.track_json import track_json
from backbeat.errors import NotFound
from backbeat.reads import Read, ReadSession
from backbeat.taste.errors import NoTaste, UnknownModel
from backbeat.taste.service.embeddings import TrackFilters

TRACK = track_json(contact_info="null", credits=None)
MODEL_READ = Read("select id::text from taste_embedding_models where name = %(model)s::text")


def _item(because: str) -> str:
    """One item's JSON over `recs r` (track_id, distance) joined to `catalog_tracks t`."""
    return f"""json_build_object('track', {TRACK},
      'match', greatest(0, least(100, round(100 * (1 - r.distance))))::int,
      'because', {because}) order by r.distance"""


BECAUSE_INFLUENCES = """coalesce((select json_agg(json_build_object('track_id', b.track_id,
        'title', b.title, 'weight', round(b.weight::numeric, 3)) order by b.weight desc)
      from (select i.track_id, it.title, i.weight * (1 - (i.embedding <=> ce.embedding)) as weight
              from infl i join catalog_tracks it on it.id = i.track_id
              join taste_track_embeddings ce on ce.model_id = i.model_id and ce.track_id = t.id
             order by 3 desc limit 3) b where b.weight > 0), '[]'::json)"""

FILTER_ARGS = """%(sample_type)s::text, %(bpm_min)s::float8, %(bpm_max)s::float8, %(key)s::text,
  %(derivatives)s::boolean"""

RECOMMENDATIONS_READ = Read(f"""with m as (
  select id from taste_embedding_models where name = %(model)s::text),
me as materialized (select v.model_id, v.vector from taste_user_vectors v
        join m on m.id = v.model_id where v.user_id = (select auth.uid())),
recs as (select c.track_id, c.distance from me, taste_candidates(me.model_id, me.vector,
  %(k)s::int, (select auth.uid()), '{{}}'::uuid[], {FILTER_ARGS},
  now() - make_interval(days => %(recent_days)s::int)) c),
infl as materialized (select i.track_id, i.weight, e.model_id, e.embedding
           from me cross join lateral
             taste_influences((select auth.uid()), me.model_id, %(half_life)s::float8, 50) i
           join taste_track_embeddings e on e.model_id = me.model_id and e.track_id = i.track_id)
select json_build_object('model', %(model)s::text, 'items', coalesce((select json_agg(
    {_item(BECAUSE_INFLUENCES)}) from recs r join catalog_tracks t on t.id = r.track_id),
  '[]'::json))::text
from me""")  # noqa: S608 - the SQL is ours; values are bound

BECAUSE_SEED = """json_build_array(json_build_object('track_id', s.track_id, 'title', s.title,
  'weight', 1.0))"""

SIMILAR_READ = Read(f"""with s as (
  select e.model_id, e.track_id, e.embedding, st.title from taste_track_embeddings e
    join taste_embedding_models m on m.id = e.model_id
    join catalog_tracks st on st.id = e.track_id and st.deleted_at is null
   where m.name = %(model)s::text and e.track_id = %(track_id)s::uuid),
recs as (select c.track_id, c.distance from s, taste_candidates(s.model_id, s.embedding,
  %(k)s::int, (select auth.uid()), array[s.track_id], {FILTER_ARGS}, null) c)
select json_build_object('model', %(model)s::text, 'items', coalesce((select json_agg(
    {_item(BECAUSE_SEED)}) from recs r join catalog_tracks t on t.id = r.track_id),
  '[]'::json))::text
from s""")  # noqa: S608 - the SQL is ours; values are bound

TASTE_READ = Read("""with m as (
  select id from taste_embedding_models where name = %(model)s::text),
me as (select v.* from taste_user_vectors v join m on m.id = v.model_id
        where v.user_id = (select auth.uid()))
select json_build_object('model', %(model)s::text, 'updated_at', me.updated_at,
  'source', me.source, 'events', me.events, 'influences', coalesce((select json_agg(
    json_build_object('track_id', i.track_id, 'title', t.title,
                      'weight', round(i.weight::numeric, 3)) order by i.weight desc)
    from taste_influences((select auth.uid()), me.model_id, %(half_life)s::float8, 10) i
    join catalog_tracks t on t.id = i.track_id), '[]'::json))::text
from me""")


@dataclass(frozen=True)
class Ask:
    """A recommendation request: the model, how many, and the filters."""

    model: str
    k: int
    filters: TrackFilters


def _params(ask: Ask) -> dict[str, object]:
    f = ask.filters
    return {
        "model": ask.model,
        "k": ask.k,
        "sample_type": f.sample_type,
        "bpm_min": f.bpm_min,
        "bpm_max": f.bpm_max,
        "key": f.key,
        "derivatives": f.derivatives,
    }


async def _require_model(read: ReadSession, model: str) -> None:
    if await read.one(MODEL_READ, model=model) is None:
        raise UnknownModel(f"No embedding model {model!r}.")


async def recommendations(
    read: ReadSession, ask: Ask, *, recent_days: int, half_life_days: float
) -> str:
    """The caller's k recommendations as JSON (404 no_taste before any taste exists)."""
    params = _params(ask) | {"recent_days": recent_days, "half_life": half_life_days}
    found = await read.one(RECOMMENDATIONS_READ, **params)
    if found is None:
        await _require_model(read, ask.model)
        raise NoTaste("No taste yet: play or like a few tracks, or set PATCH /v1/me/taste-profile.")
    return found


async def similar(read: ReadSession, track_id: uuid.UUID, ask: Ask) -> str:
    """The k public tracks nearest a visible track (404 when it has no vector in the model)."""
    found = await read.one(SIMILAR_READ, **_params(ask), track_id=track_id)
    if found is None:
        await _require_model(read, ask.model)
        raise NotFound(f"Track {track_id} has no {ask.model} vector (or is not visible).")
    return found


async def taste_summary(read: ReadSession, model: str, *, half_life_days: float) -> str:
    """The caller's taste in a model: when it changed, from what, and its strongest pulls."""
    found = await read.one(TASTE_READ, model=model, half_life=half_life_days)
    if found is None:
        await _require_model(read, model)
        raise NoTaste("No taste yet in this model.")
    return found
