-- Taste: functions, triggers and row-level security (run by 2026-12-03_taste.py).

-- Weights of what a user does, the one definition the triggers and the full recompute share.
create function taste_listen_weight(_ms_played integer, _duration_ms integer, _skipped boolean)
returns double precision language sql immutable parallel safe as $$
  select case
    when _skipped then -0.5
    when _ms_played is null or _duration_ms is null or _duration_ms <= 0 then 1.0
    when _ms_played::float8 / _duration_ms < 0.25 then -0.5
    else least(_ms_played::float8 / _duration_ms, 1.0)
  end
$$;
create function taste_like_weight() returns double precision
language sql immutable parallel safe as $$ select 2.0::float8 $$;
create function taste_dislike_weight() returns double precision
language sql immutable parallel safe as $$ select -2.0::float8 $$;

-- Every event a user's taste is made of now (what a full recompute folds).
create function taste_user_events(_user uuid)
returns table (track_id uuid, kind text, weight double precision, occurred_at timestamptz)
language sql stable as $$
  select l.track_id, 'listen', taste_listen_weight(l.ms_played, l.duration_ms, l.skipped),
         l.listened_at
    from listening_listens l where l.user_id = _user and l.track_id is not null
  union all
  select k.track_id, 'like', taste_like_weight(), k.liked_at
    from library_likes k where k.user_id = _user
  union all
  select d.track_id, 'dislike', taste_dislike_weight(), d.disliked_at
    from library_dislikes d where d.user_id = _user
$$;

-- The queue the fold job drains: triggers append, one waiting job per queue.
create function taste_listens_changed() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    insert into taste_events (user_id, track_id, kind, weight, occurred_at)
      select n.user_id, n.track_id, 'listen',
             taste_listen_weight(n.ms_played, n.duration_ms, n.skipped), n.listened_at
        from new_rows n where n.track_id is not null;
  else
    insert into taste_events (user_id, track_id, kind, weight, occurred_at, retraction)
      select o.user_id, o.track_id, 'listen',
             taste_listen_weight(o.ms_played, o.duration_ms, o.skipped), o.listened_at, true
        from old_rows o where o.track_id is not null;
  end if;
  if found then
    perform backbeat_enqueue_job('backbeat:taste.fold', '{}'::jsonb, 'default', 'taste.fold', null);
  end if;
  return null;
end $$;
create trigger taste_listens_added after insert on listening_listens
  referencing new table as new_rows for each statement execute function taste_listens_changed();
create trigger taste_listens_removed after delete on listening_listens
  referencing old table as old_rows for each statement execute function taste_listens_changed();

create function taste_likes_changed() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    insert into taste_events (user_id, track_id, kind, weight, occurred_at)
      values (new.user_id, new.track_id, 'like', taste_like_weight(), new.liked_at);
  else
    insert into taste_events (user_id, track_id, kind, weight, occurred_at, retraction)
      values (old.user_id, old.track_id, 'like', taste_like_weight(), old.liked_at, true);
  end if;
  perform backbeat_enqueue_job('backbeat:taste.fold', '{}'::jsonb, 'default', 'taste.fold', null);
  return null;
end $$;
create trigger taste_likes_changed after insert or delete on library_likes
  for each row execute function taste_likes_changed();

create function taste_dislikes_changed() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if tg_op = 'INSERT' then
    insert into taste_events (user_id, track_id, kind, weight, occurred_at)
      values (new.user_id, new.track_id, 'dislike', taste_dislike_weight(), new.disliked_at);
  else
    insert into taste_events (user_id, track_id, kind, weight, occurred_at, retraction)
      values (old.user_id, old.track_id, 'dislike', taste_dislike_weight(), old.disliked_at, true);
  end if;
  perform backbeat_enqueue_job('backbeat:taste.fold', '{}'::jsonb, 'default', 'taste.fold', null);
  return null;
end $$;
create trigger taste_dislikes_changed after insert or delete on library_dislikes
  for each row execute function taste_dislikes_changed();

-- After media's analysis: the built-in audio model embeds every track of that audio.
create function taste_audio_analysed() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if new.analysis_status = 'complete' and old.analysis_status is distinct from 'complete' then
    perform backbeat_enqueue_job('backbeat:taste.embed_audio',
      jsonb_build_object('object_id', new.object_id), 'default',
      'taste.embed_audio:' || new.object_id, null);
  end if;
  return null;
end $$;
create trigger taste_audio_analysed after update of analysis_status on media_audio_files
  for each row execute function taste_audio_analysed();

create function taste_track_audio_changed() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  if new.audio_object_id is not null
     and (tg_op = 'INSERT' or new.audio_object_id is distinct from old.audio_object_id)
     and exists (select 1 from media_audio_files a
                 where a.object_id = new.audio_object_id and a.analysis_status = 'complete') then
    perform backbeat_enqueue_job('backbeat:taste.embed_audio',
      jsonb_build_object('object_id', new.audio_object_id), 'default',
      'taste.embed_audio:' || new.audio_object_id, null);
  end if;
  return null;
end $$;
create trigger taste_track_audio_changed after insert or update of audio_object_id
  on catalog_tracks for each row execute function taste_track_audio_changed();

-- A model and its own partial HNSW index (the API role cannot create indexes; admins only).
create function taste_register_model(_name text, _version text, _dimension integer,
                                     _description text)
returns uuid language plpgsql security definer set search_path = public, pg_temp as $$
declare
  _id uuid := gen_random_uuid();
begin
  if auth.jwt() <> '{}'::jsonb and (auth.jwt() ->> 'app_role') is distinct from 'admin' then
    raise exception 'only an admin can register an embedding model' using errcode = '42501';
  end if;
  insert into taste_embedding_models (id, name, version, dimension, description)
    values (_id, _name, _version, _dimension, coalesce(_description, ''));
  execute format(
    'create index %I on taste_track_embeddings using hnsw ((embedding::vector(%s)) '
    'vector_cosine_ops) where model_id = %L',
    'ix_taste_model_' || replace(_id::text, '-', ''), _dimension, _id);
  return _id;
end $$;
revoke all on function taste_register_model(text, text, integer, text) from public;
grant execute on function taste_register_model(text, text, integer, text)
  to backbeat_user, backbeat_service;

-- The index's nearest neighbours: the model inlined so its partial index applies, ef_search at
-- least 100 and the number of rows asked for (an HNSW scan returns at most ef_search rows).
create function taste_nearest(_model uuid, _query vector, _fetch integer)
returns table (track_id uuid, distance double precision)
language plpgsql volatile set search_path = public, pg_temp as $$
declare
  _dimension integer := (select m.dimension from taste_embedding_models m where m.id = _model);
begin
  if _dimension is null or vector_dims(_query) <> _dimension then
    return;
  end if;
  perform set_config('hnsw.ef_search', least(greatest(_fetch, 100), 1000)::text, true);
  return query execute format(
    'select e.track_id, (e.embedding::vector(%1$s) <=> $1::vector(%1$s))::float8
       from taste_track_embeddings e where e.model_id = %2$L
      order by e.embedding::vector(%1$s) <=> $1::vector(%1$s) limit $2',
    _dimension, _model) using _query, least(_fetch, 1000);
end $$;
grant execute on function taste_nearest(uuid, vector, integer)
  to backbeat_anon, backbeat_user, backbeat_service;

-- k nearest tracks a listener may be recommended: public, visible, not their own, not in
-- `_exclude`, not disliked, not heard since `_heard_since`, within the filters. The index is
-- asked for 4k, then 16k... up to 1000 rows; when that still leaves fewer than k, an exact scan
-- answers (so k rows come back whenever k exist). The statements are built as text so that an
-- anonymous caller's never name the tables of listens and dislikes it may not read.
create function taste_candidates(
  _model uuid, _query vector, _k integer, _user uuid, _exclude uuid[], _sample_type text,
  _bpm_min double precision, _bpm_max double precision, _key text, _derivatives boolean,
  _heard_since timestamptz)
returns table (track_id uuid, distance double precision)
language plpgsql volatile set search_path = public, pg_temp as $$
declare
  _fetch integer := greatest(_k * 4, 40);
  _ids uuid[];
  _distances float8[];
  _where text := 't.visibility = ''public'' and t.deleted_at is null
    and not (c.track_id = any(coalesce($4, ''{}'')))
    and ($5::text is null or t.sample_type = $5) and ($6::float8 is null or t.bpm >= $6)
    and ($7::float8 is null or t.bpm <= $7) and ($8::text is null or t.key = $8)
    and ($9 is not true or t.license_derivatives)';
begin
  if _user is not null then
    _where := _where || ' and t.created_by <> $3
      and not exists (select 1 from library_dislikes d
                      where d.user_id = $3 and d.track_id = c.track_id)';
  end if;
  if _user is not null and _heard_since is not null then
    _where := _where || ' and not exists (select 1 from listening_listens l
      where l.user_id = $3 and l.track_id = c.track_id and l.listened_at >= $10)';
  end if;
  loop
    execute 'select array_agg(x.track_id order by x.distance), array_agg(x.distance order by x.distance)
      from (select c.track_id, c.distance from taste_nearest($11, $1, $2) c
              join catalog_tracks t on t.id = c.track_id where ' || _where
      || ' order by c.distance limit $12) x'
      into _ids, _distances
      using _query, _fetch, _user, _exclude, _sample_type, _bpm_min, _bpm_max, _key,
            _derivatives, _heard_since, _model, _k;
    exit when coalesce(cardinality(_ids), 0) >= _k or _fetch >= 1000;
    _fetch := least(_fetch * 4, 1000);
  end loop;
  if coalesce(cardinality(_ids), 0) < _k then
    return query execute 'select c.track_id, (c.embedding <=> $1)::float8
        from taste_track_embeddings c join catalog_tracks t on t.id = c.track_id
       where c.model_id = $11 and vector_dims($1) = c.dimension and ' || _where
      || ' order by c.embedding <=> $1 limit $12'
      using _query, _fetch, _user, _exclude, _sample_type, _bpm_min, _bpm_max, _key,
            _derivatives, _heard_since, _model, _k;
    return;
  end if;
  return query select u.id, u.distance from unnest(_ids, _distances) as u(id, distance);
end $$;
grant execute on function taste_candidates(uuid, vector, integer, uuid, uuid[], text,
  double precision, double precision, text, boolean, timestamptz)
  to backbeat_anon, backbeat_user, backbeat_service;

create function taste_station_owner(_station uuid) returns uuid
language sql stable security definer set search_path = public, pg_temp as $$
  select s.user_id from taste_stations s where s.id = _station
$$;
revoke all on function taste_station_owner(uuid) from public;
grant execute on function taste_station_owner(uuid) to backbeat_user;

-- Row-level security.
alter table taste_embedding_models enable row level security;
grant select on taste_embedding_models to backbeat_anon, backbeat_user;
create policy taste_embedding_models_read on taste_embedding_models for select
  to backbeat_anon, backbeat_user using (true);

alter table taste_track_embeddings enable row level security;
grant select on taste_track_embeddings to backbeat_anon, backbeat_user;
grant insert, update on taste_track_embeddings to backbeat_user;
create policy taste_track_embeddings_read on taste_track_embeddings for select
  to backbeat_anon, backbeat_user
  using (exists (select 1 from catalog_tracks t where t.id = track_id));
create policy taste_track_embeddings_insert on taste_track_embeddings for insert
  to backbeat_user with check (
    (select auth.jwt() ->> 'app_role') = 'admin'
    or exists (select 1 from catalog_tracks t
               where t.id = track_id and t.created_by = (select auth.uid())));
create policy taste_track_embeddings_update on taste_track_embeddings for update
  to backbeat_user using (
    (select auth.jwt() ->> 'app_role') = 'admin'
    or exists (select 1 from catalog_tracks t
               where t.id = track_id and t.created_by = (select auth.uid())));

alter table taste_user_vectors enable row level security;
grant select, insert, update on taste_user_vectors to backbeat_user;
create policy taste_user_vectors_own on taste_user_vectors for all to backbeat_user
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

alter table taste_profiles enable row level security;
grant select, insert, update, delete on taste_profiles to backbeat_user;
create policy taste_profiles_own on taste_profiles for all to backbeat_user
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

alter table taste_events enable row level security;

alter table taste_stations enable row level security;
grant select, insert, update, delete on taste_stations to backbeat_user;
create policy taste_stations_own on taste_stations for all to backbeat_user
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

alter table taste_station_tracks enable row level security;
grant select, insert on taste_station_tracks to backbeat_user;
create policy taste_station_tracks_own on taste_station_tracks for all to backbeat_user
  using (taste_station_owner(station_id) = (select auth.uid()))
  with check (taste_station_owner(station_id) = (select auth.uid()));

alter table taste_recall enable row level security;

-- The built-in audio model (taste/audio_features.py documents its 64 dimensions).
select taste_register_model('backbeat-audio-v1', '1', 64,
  'Backbeat''s audio model: MFCC, chroma, spectral contrast and onset/tempo statistics.');

-- Cold start: the public tracks a user's onboarding profile matches (genres and vibe against
-- tags, favourite artists against the artist, bass level against bass tags, inside the tempo
-- range, no explicit tracks unless allowed).
create function taste_profile_tracks(_user uuid) returns table (track_id uuid)
language sql stable set search_path = public, pg_temp as $$
  select t.id from taste_profiles p join catalog_tracks t
    on t.visibility = 'public' and t.deleted_at is null
   where p.user_id = _user
     and (exists (select 1 from unnest(t.tags) tag
                   where lower(tag) = any(select lower(g) from unnest(p.genres || p.vibe) g)
                      or (p.bass_level = 'high' and lower(tag) in ('bass', 'sub', '808', 'heavy')))
          or lower(t.artist) = any(select lower(a) from unnest(p.favourite_artists) a))
     and (p.tempo_min is null or t.bpm >= p.tempo_min)
     and (p.tempo_max is null or t.bpm <= p.tempo_max)
     and (p.explicit_lyrics or not ('explicit' = any(t.tags)))
   limit 2000
$$;

-- What pulled a user's taste hardest lately: their last 500 matched listens and 200 likes and
-- dislikes, decayed to now and summed per track, among tracks with a vector in the model.
create function taste_influences(_user uuid, _model uuid, _half_life double precision,
                                 _limit integer)
returns table (track_id uuid, weight double precision)
language sql stable set search_path = public, pg_temp as $$
  with recent as (
    (select l.track_id, taste_listen_weight(l.ms_played, l.duration_ms, l.skipped) as weight,
            l.listened_at as at
       from listening_listens l where l.user_id = _user and l.track_id is not null
      order by l.listened_at desc limit 500)
    union all
    (select k.track_id, taste_like_weight(), k.liked_at from library_likes k
      where k.user_id = _user order by k.liked_at desc limit 200)
    union all
    (select d.track_id, taste_dislike_weight(), d.disliked_at from library_dislikes d
      where d.user_id = _user order by d.disliked_at desc limit 200))
  select r.track_id,
         sum(r.weight * exp(-ln(2) * extract(epoch from (now() - r.at)) / 86400 / _half_life))
    from recent r
   where exists (select 1 from taste_track_embeddings e
                  where e.model_id = _model and e.track_id = r.track_id)
   group by r.track_id
  having sum(r.weight) > 0
   order by 2 desc limit _limit
$$;
grant execute on function taste_influences(uuid, uuid, double precision, integer)
  to backbeat_user, backbeat_service;
