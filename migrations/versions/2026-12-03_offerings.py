"""Offerings: masters with a lifecycle, Master IPOs with tiers, shares and their transfers,
purchases, dividends, ownership snapshots; RLS; the money-moving functions; the royalty views.

What the royalty engine reads (royalties may not import offerings, so this is the interface):

- `offerings_pool_tiers(track_id, tier, pool_ppm, total_shares)`: each master's tiers;
- `offerings_pool_changes(track_id, tier, at, payee_id, delta)`: +1 to the new owner and -1 to
  the old one at every mint or transfer of a share, so the sum of `delta` up to an instant is
  how many minted shares of each tier each payee holds at that instant.

Money moves only inside SECURITY DEFINER functions, each posting one balanced royalties transfer:
`offerings_buy` / `offerings_settle_purchase` (kind `purchase`: buyer's available balance, or
`revenue:sale` for an external payment, to the artist's payee), `offerings_pay_dividend` (kind
`dividend`: the artist's available balance, or `revenue:dividend` for an admin, to the holders).
The royalties transfer-kind check gains `purchase` and `dividend`, and the ledger's commit-time
balance check becomes SECURITY DEFINER (a buyer's transfer has a leg the buyer cannot see).

Revision ID: 20261203_offerings
Revises: 20261203_generations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261203_offerings"
down_revision: str | None = "20261203_generations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN = "(select auth.uid())"
IS_ADMIN = "((select auth.jwt() ->> 'app_role') = 'admin')"
MY_TRACK = (
    "exists (select 1 from catalog_tracks c where c.id = {col} and c.created_by = " + OWN + ")"
)

TRANSFER_KINDS = """
alter table royalties_transfers drop constraint ck_royalties_transfers_kind;
alter table royalties_transfers add constraint ck_royalties_transfers_kind check (kind in (
  'allocation', 'reversal', 'reallocation', 'payout_request', 'payout_paid', 'payout_failed',
  'purchase', 'dividend'));
"""
LEDGER_CHECK = """
alter function royalties_check_transfer() security definer set search_path = public;
"""
"""The balance check runs at commit as whoever commits: a buyer cannot see the artist's leg
under row-level security, so the check must read every leg (it only reads, and raises)."""
LEDGER_CHECK_DOWN = "alter function royalties_check_transfer() security invoker reset search_path;"

TRANSFER_KINDS_DOWN = """
alter table royalties_transfers drop constraint ck_royalties_transfers_kind;
alter table royalties_transfers add constraint ck_royalties_transfers_kind check (kind in (
  'allocation', 'reversal', 'reallocation', 'payout_request', 'payout_paid', 'payout_failed'));
"""

VIEWS = """
create view offerings_pool_tiers as
  select o.track_id, t.tier, t.pool_ppm, t.last_token - t.first_token + 1 as total_shares
  from offerings_offerings o join offerings_tiers t on t.offering_id = o.id;
comment on view offerings_pool_tiers is
  'Read by the royalty engine (royalties/snapshot.py): each master''s tiers, pool in ppm of the '
  'track''s own part, and the number of shares the pool is divided by.';
create view offerings_pool_changes as
  select x.track_id, s.tier, x.at, x.to_payee_id as payee_id, 1 as delta
  from offerings_share_transfers x join offerings_shares s on s.id = x.share_id
  union all
  select x.track_id, s.tier, x.at, x.from_payee_id, -1
  from offerings_share_transfers x join offerings_shares s on s.id = x.share_id
  where x.from_payee_id is not null;
comment on view offerings_pool_changes is
  'Read by the royalty engine (royalties/snapshot.py): +1 to the new owner and -1 to the old one '
  'at each mint or transfer of a share; the sum up to an instant is who holds what then.';
"""

FUNCTIONS = """
create function offerings_user_payee(_user uuid) returns uuid
language plpgsql security definer set search_path = public as $$
declare
  _id uuid;
begin
  select id into _id from catalog_payees where user_id = _user;
  if _id is null then
    insert into catalog_payees (id, user_id) values (gen_random_uuid(), _user)
      on conflict (user_id) do nothing returning id into _id;
    if _id is null then
      select id into _id from catalog_payees where user_id = _user;
    end if;
  end if;
  return _id;
end
$$;

create function offerings_mint(_shares uuid[], _payee uuid, _actor uuid) returns void
language plpgsql security definer set search_path = public as $$
begin
  update offerings_shares set status = 'minted', owner_payee_id = _payee, minted_at = now()
    where id = any(_shares);
  insert into offerings_share_transfers (id, share_id, track_id, to_payee_id, kind, actor_id)
    select gen_random_uuid(), s.id, s.track_id, _payee, 'mint', _actor
    from offerings_shares s where s.id = any(_shares) order by s.token;
end
$$;

create function offerings_mint_reserve(_offering uuid) returns boolean
language plpgsql security definer set search_path = public as $$
declare
  _o offerings_offerings;
  _artist uuid;
begin
  select * into _o from offerings_offerings where id = _offering for update;
  if _o.id is null or _o.reserve_minted_at is not null or now() < _o.starts_at then
    return false;
  end if;
  _artist := offerings_user_payee(
    (select c.created_by from catalog_tracks c where c.id = _o.track_id));
  perform offerings_mint(array(
    select id from offerings_shares where offering_id = _offering
      and token > _o.total_supply - _o.artist_reserve), _artist, null);
  update offerings_offerings set reserve_minted_at = now() where id = _offering;
  return true;
end
$$;

create function offerings_post(
  _transfer uuid, _kind text, _track uuid, _source text, _names text[], _asset text,
  _amounts numeric[]
) returns void language plpgsql as $$
begin
  insert into royalties_transfers (id, kind, track_id, source)
    values (_transfer, _kind, _track, _source);
  -- one leg per account: an artist paying a dividend may also hold shares
  insert into royalties_legs (transfer_id, account_id, amount)
    select _transfer, royalties_account(n, _asset,
      case when n like 'payee:%' then 'payee' else 'revenue' end,
      case when n like 'payee:%' then substr(n, 7)::uuid end), sum(m)
    from unnest(_names, _amounts) as x(n, m) group by n order by n;
  insert into royalties_balances (account_id, balance)
    select a.id, sum(x.m) from unnest(_names, _amounts) as x(n, m)
    join royalties_accounts a on a.name = x.n and a.asset = _asset
    group by a.id order by a.id
    on conflict (account_id) do update set balance = royalties_balances.balance + excluded.balance;
end
$$;

create function offerings_take_available(_payee uuid, _asset text, _amount numeric) returns void
language plpgsql as $$
declare
  _available numeric;
begin
  select b.balance into _available from royalties_accounts a
    join royalties_balances b on b.account_id = a.id
    where a.name = 'payee:' || _payee and a.asset = _asset for update of b;
  if coalesce(_available, 0) < _amount then
    raise exception 'available % is less than %', coalesce(_available, 0), _amount
      using errcode = 'RY001';
  end if;
end
$$;

create function offerings_pay_purchase(_purchase uuid, _transfer uuid, _reference text)
returns void language plpgsql security definer set search_path = public as $$
declare
  _p offerings_purchases;
  _track uuid;
  _artist uuid;
  _buyer uuid;
  _from text;
begin
  select * into _p from offerings_purchases where id = _purchase for update;
  if _p.status <> 'reserved' then
    return;
  end if;
  select o.track_id into _track from offerings_offerings o where o.id = _p.offering_id;
  _artist := offerings_user_payee((select created_by from catalog_tracks where id = _track));
  _buyer := offerings_user_payee(_p.buyer_id);
  if _p.method = 'balance' then
    perform offerings_take_available(_buyer, _p.asset, _p.amount);
    _from := 'payee:' || _buyer;
  else
    _from := 'revenue:sale';
  end if;
  perform offerings_post(_transfer, 'purchase', _track, 'sale', array[_from, 'payee:' || _artist],
                         _p.asset, array[-_p.amount, _p.amount]);
  update offerings_purchases set status = 'paid', paid_at = now(), transfer_id = _transfer,
    payment_reference = _reference, expires_at = null where id = _purchase;
  perform offerings_mint(array(select id from offerings_shares where purchase_id = _purchase),
                         _buyer, _p.buyer_id);
end
$$;

create function offerings_purchase_json(_purchase uuid) returns json
language sql stable security definer set search_path = public as $$
  select json_build_object('id', p.id, 'offering_id', p.offering_id, 'status', p.status,
    'method', p.method, 'amount', p.amount::text, 'asset', p.asset, 'quantity', p.quantity,
    'expires_at', p.expires_at, 'paid_at', p.paid_at, 'created_at', p.created_at,
    'shares', coalesce((select json_agg(json_build_object('token', s.token, 'tier', s.tier)
                        order by s.token) from offerings_shares s where s.purchase_id = p.id),
                       '[]'))
  from offerings_purchases p where p.id = _purchase
    and (p.buyer_id = auth.uid() or (auth.jwt() ->> 'app_role') = 'admin')
$$;

create function offerings_buy(
  _purchase uuid, _offering uuid, _quantity integer, _key text, _method text,
  _per_buyer integer, _hold interval, _transfer uuid
) returns table (purchase_id uuid, created boolean, sold_out boolean, purchase json)
language plpgsql security definer set search_path = public as $$
declare
  _buyer uuid := auth.uid();
  _o offerings_offerings;
  _existing uuid;
  _held integer;
  _tokens uuid[];
  _left integer;
begin
  if _buyer is null then
    raise exception 'sign in to buy' using errcode = '42501';
  end if;
  select p.id into _existing from offerings_purchases p
    where p.buyer_id = _buyer and p.idempotency_key = _key;
  if _existing is not null then
    return query select _existing, false, false, offerings_purchase_json(_existing);
    return;
  end if;
  if exists (select 1 from offerings_offerings o where o.id = _offering
             and o.reserve_minted_at is null and o.starts_at <= now()) then
    perform offerings_mint_reserve(_offering);
  end if;
  -- committed rows say none is left: refuse without queueing for the lock (a reservation in
  -- flight still reads as available until it commits, so this never refuses too early)
  if not exists (select 1 from offerings_shares s join offerings_offerings o on o.id = _offering
                 where s.offering_id = _offering and s.status = 'available'
                   and s.token <= o.total_supply - o.artist_reserve)
     and exists (select 1 from offerings_offerings o where o.id = _offering) then
    raise exception '0 shares left' using errcode = 'OF004';
  end if;
  select * into _o from offerings_offerings o where o.id = _offering for update;
  if _o.id is null then
    raise exception 'no offering %', _offering using errcode = 'OF404';
  end if;
  select p.id into _existing from offerings_purchases p
    where p.buyer_id = _buyer and p.idempotency_key = _key;
  if _existing is not null then
    return query select _existing, false, false, offerings_purchase_json(_existing);
    return;
  end if;
  if (select m.state from offerings_masters m where m.track_id = _o.track_id) not in ('listed')
     or now() < _o.starts_at then
    raise exception 'offering % has not started', _offering using errcode = 'OF001';
  end if;
  if now() >= _o.ends_at then
    raise exception 'offering % has ended', _offering using errcode = 'OF002';
  end if;
  select coalesce(sum(p.quantity), 0) into _held from offerings_purchases p
    where p.offering_id = _offering and p.buyer_id = _buyer and p.status in ('reserved', 'paid');
  if _held + _quantity > _per_buyer then
    raise exception 'at most % shares per buyer', _per_buyer using errcode = 'OF003';
  end if;
  _tokens := array(select s.id from offerings_shares s where s.offering_id = _offering
    and s.status = 'available' and s.token <= _o.total_supply - _o.artist_reserve
    order by s.token limit _quantity);
  if coalesce(array_length(_tokens, 1), 0) < _quantity then
    raise exception '% shares left', coalesce(array_length(_tokens, 1), 0) using errcode = 'OF004';
  end if;
  insert into offerings_purchases (id, offering_id, buyer_id, idempotency_key, quantity, amount,
    asset, method, expires_at)
    values (_purchase, _offering, _buyer, _key, _quantity, _o.price * _quantity, _o.asset,
      _method, case when _method = 'external' then now() + _hold end);
  update offerings_shares set status = 'reserved', purchase_id = _purchase
    where id = any(_tokens);
  if _method = 'balance' then
    perform offerings_pay_purchase(_purchase, _transfer, null);
  end if;
  _left := (select count(*) from (select 1 from offerings_shares s
    where s.offering_id = _offering and s.status = 'available'
      and s.token <= _o.total_supply - _o.artist_reserve limit 1) x);
  if _left = 0 then
    update offerings_offerings set sold_out_at = now() where id = _offering;
  end if;
  return query select _purchase, true, _left = 0, offerings_purchase_json(_purchase);
end
$$;

create function offerings_settle_purchase(_purchase uuid, _transfer uuid, _reference text)
returns text language plpgsql security definer set search_path = public as $$
declare
  _status text;
begin
  if not ((auth.jwt() ->> 'app_role') = 'admin'
          or coalesce(auth.jwt() -> 'scopes', '[]') ? 'purchases:write') then
    raise exception 'only an admin or a payment provider settles purchases'
      using errcode = '42501';
  end if;
  select status into _status from offerings_purchases where id = _purchase for update;
  if _status is null then
    raise exception 'no purchase %', _purchase using errcode = 'OF404';
  end if;
  if _status = 'expired' then
    raise exception 'purchase % expired', _purchase using errcode = 'OF005';
  end if;
  perform offerings_pay_purchase(_purchase, _transfer, _reference);
  return 'paid';
end
$$;

create function offerings_expire_purchases() returns integer
language plpgsql security definer set search_path = public as $$
declare
  _expired uuid[];
begin
  _expired := array(select id from offerings_purchases where status = 'reserved'
    and expires_at <= now() order by id for update skip locked);
  update offerings_shares set status = 'available', purchase_id = null
    where purchase_id = any(_expired) and status = 'reserved';
  update offerings_purchases set status = 'expired' where id = any(_expired);
  update offerings_offerings o set sold_out_at = null where o.sold_out_at is not null
    and o.id in (select offering_id from offerings_purchases where id = any(_expired));
  return coalesce(array_length(_expired, 1), 0);
end
$$;

create function offerings_transfer_share(_share uuid, _to uuid, _transfer uuid) returns void
language plpgsql security definer set search_path = public as $$
declare
  _s offerings_shares;
begin
  select * into _s from offerings_shares where id = _share for update;
  if _s.id is null or _s.status <> 'minted' then
    raise exception 'no minted share %', _share using errcode = 'OF404';
  end if;
  if not (_s.owner_payee_id = any(royalties_payees_of(auth.uid()))) then
    raise exception 'share % is not yours', _share using errcode = '42501';
  end if;
  if _to = _s.owner_payee_id then
    raise exception 'share % already belongs to that payee', _share using errcode = 'OF006';
  end if;
  perform 1 from offerings_offerings where id = _s.offering_id for update;
  update offerings_shares set owner_payee_id = _to where id = _share;
  insert into offerings_share_transfers (id, share_id, track_id, from_payee_id, to_payee_id,
    kind, actor_id)
    values (_transfer, _share, _s.track_id, _s.owner_payee_id, _to, 'transfer', auth.uid());
end
$$;

create function offerings_lock_holders(_track uuid)
returns table (payee_id uuid, shares bigint)
language sql security definer set search_path = public as $$
  with locked as (select id from offerings_offerings where track_id = _track for update)
  select s.owner_payee_id, count(*) from offerings_shares s join locked l on l.id = s.offering_id
  where s.status = 'minted' group by s.owner_payee_id order by s.owner_payee_id
$$;

create function offerings_pay_dividend(
  _dividend uuid, _track uuid, _amount numeric, _asset text, _funding text, _key text,
  _hash text, _transfer uuid, _payees uuid[], _amounts numeric[], _receipt jsonb,
  _receipt_hash text
) returns void language plpgsql security definer set search_path = public as $$
declare
  _owner uuid := (select created_by from catalog_tracks where id = _track);
  _admin boolean := (auth.jwt() ->> 'app_role') = 'admin';
  _from text;
begin
  if auth.uid() is null or not (_admin or _owner = auth.uid())
     or (_funding = 'external' and not _admin) then
    raise exception 'only the artist or an admin pays dividends' using errcode = '42501';
  end if;
  if _funding = 'balance' then
    perform offerings_take_available(offerings_user_payee(auth.uid()), _asset, _amount);
    _from := 'payee:' || offerings_user_payee(auth.uid());
  else
    _from := 'revenue:dividend';
  end if;
  insert into offerings_dividends (id, track_id, amount, asset, funding, idempotency_key,
    body_hash, created_by, transfer_id, receipt, receipt_hash)
    values (_dividend, _track, _amount, _asset, _funding, _key, _hash, auth.uid(), _transfer,
      _receipt, _receipt_hash);
  perform offerings_post(_transfer, 'dividend', _track, 'dividend',
    array[_from] || array(select 'payee:' || p from unnest(_payees) as p), _asset,
    array[-_amount] || _amounts);
end
$$;

create function offerings_take_snapshot() returns integer
language sql security definer set search_path = public as $$
  with taken as (
    insert into offerings_ownership_snapshots (taken_at, track_id, payee_id, shares)
    select now(), track_id, owner_payee_id, count(*) from offerings_shares
    where status = 'minted' group by track_id, owner_payee_id
    on conflict do nothing returning 1)
  select count(*)::integer from taken
$$;

revoke all on function offerings_user_payee(uuid), offerings_mint(uuid[], uuid, uuid),
  offerings_post(uuid, text, uuid, text, text[], text, numeric[]),
  offerings_take_available(uuid, text, numeric),
  offerings_pay_purchase(uuid, uuid, text), offerings_expire_purchases(),
  offerings_take_snapshot(), offerings_mint_reserve(uuid),
  offerings_buy(uuid, uuid, integer, text, text, integer, interval, uuid),
  offerings_settle_purchase(uuid, uuid, text), offerings_transfer_share(uuid, uuid, uuid),
  offerings_lock_holders(uuid),
  offerings_pay_dividend(uuid, uuid, numeric, text, text, text, text, uuid, uuid[], numeric[],
    jsonb, text) from public;
grant execute on function offerings_mint_reserve(uuid), offerings_user_payee(uuid),
  offerings_buy(uuid, uuid, integer, text, text, integer, interval, uuid),
  offerings_settle_purchase(uuid, uuid, text), offerings_transfer_share(uuid, uuid, uuid),
  offerings_lock_holders(uuid),
  offerings_pay_dividend(uuid, uuid, numeric, text, text, text, text, uuid, uuid[], numeric[],
    jsonb, text) to backbeat_user, backbeat_service;
"""

PUBLIC_TABLES = (
    "offerings_masters",
    "offerings_master_transitions",
    "offerings_offerings",
    "offerings_tiers",
    "offerings_shares",
    "offerings_share_transfers",
    "offerings_ownership_snapshots",
)


def row_security() -> str:
    public = "".join(
        f"alter table {t} enable row level security;\n"
        f"grant select on {t} to backbeat_anon, backbeat_user;\n"
        f"create policy {t}_public on {t} for select to backbeat_anon, backbeat_user "
        "using (true);\n"
        for t in PUBLIC_TABLES
    )
    mine = MY_TRACK.format(col="track_id")
    offering_mine = (
        "exists (select 1 from offerings_offerings o where o.id = offering_id "
        f"and o.created_by = {OWN})"
    )
    return (
        public
        + f"""
grant insert, update on offerings_masters to backbeat_user;
create policy offerings_masters_insert on offerings_masters for insert to backbeat_user
  with check ({IS_ADMIN} or {mine});
create policy offerings_masters_update on offerings_masters for update to backbeat_user
  using ({IS_ADMIN} or {mine}) with check ({IS_ADMIN} or {mine});
grant insert on offerings_master_transitions to backbeat_user;
create policy offerings_master_transitions_insert on offerings_master_transitions for insert
  to backbeat_user with check (actor_id = {OWN} and ({IS_ADMIN} or {mine}));
grant insert on offerings_offerings to backbeat_user;
create policy offerings_offerings_insert on offerings_offerings for insert to backbeat_user
  with check (created_by = {OWN} and {mine});
grant insert on offerings_tiers, offerings_shares to backbeat_user;
create policy offerings_tiers_insert on offerings_tiers for insert to backbeat_user
  with check ({offering_mine});
create policy offerings_shares_insert on offerings_shares for insert to backbeat_user
  with check ({offering_mine} and status = 'available' and owner_payee_id is null);
alter table offerings_purchases enable row level security;
grant select on offerings_purchases to backbeat_user;
create policy offerings_purchases_buyer on offerings_purchases for select to backbeat_user
  using ({IS_ADMIN} or buyer_id = {OWN});
alter table offerings_dividends enable row level security;
grant select on offerings_dividends to backbeat_user;
create policy offerings_dividends_read on offerings_dividends for select to backbeat_user
  using ({IS_ADMIN} or created_by = {OWN} or {mine});
grant select on offerings_pool_tiers, offerings_pool_changes to backbeat_anon, backbeat_user;
"""
    )


FUNCTION_NAMES = (
    "offerings_pay_dividend",
    "offerings_lock_holders",
    "offerings_take_snapshot",
    "offerings_transfer_share",
    "offerings_expire_purchases",
    "offerings_settle_purchase",
    "offerings_buy",
    "offerings_pay_purchase",
    "offerings_take_available",
    "offerings_post",
    "offerings_mint_reserve",
    "offerings_mint",
    "offerings_user_payee",
)


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "offerings_masters",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.Text(), server_default="draft", nullable=False),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column(
            "mood_tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("audio_cid", sa.Text(), nullable=True),
        sa.Column("cover_cid", sa.Text(), nullable=True),
        sa.Column("metadata_cid", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "state in ('draft', 'in_vstudio', 'locked', 'minted', 'listed', 'sold')",
            name=op.f("ck_offerings_masters_state"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["catalog_tracks.id"],
            name=op.f("fk_offerings_masters_track_id_catalog_tracks"),
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_offerings_masters")),
    )
    op.create_table(
        "offerings_dividends",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("receipt", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("receipt_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_offerings_dividends_amount")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_offerings_dividends_created_by_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_dividends_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_dividends")),
        sa.UniqueConstraint(
            "created_by",
            "idempotency_key",
            name=op.f("uq_offerings_dividends_created_by_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_offerings_dividends_track_id", "offerings_dividends", ["track_id"], unique=False
    )
    op.create_table(
        "offerings_master_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["identity_users.id"],
            name=op.f("fk_offerings_master_transitions_actor_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_master_transitions_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_master_transitions")),
    )
    op.create_index(
        "ix_offerings_master_transitions_track_id_at",
        "offerings_master_transitions",
        ["track_id", "at"],
        unique=False,
    )
    op.create_table(
        "offerings_offerings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("total_supply", sa.Integer(), nullable=False),
        sa.Column("artist_reserve", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reserve_minted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sold_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "artist_reserve >= 0 and artist_reserve < total_supply",
            name=op.f("ck_offerings_offerings_reserve"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_offerings_offerings_window")),
        sa.CheckConstraint("price > 0", name=op.f("ck_offerings_offerings_price")),
        sa.CheckConstraint(
            "total_supply between 1 and 100000", name=op.f("ck_offerings_offerings_total_supply")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["identity_users.id"],
            name=op.f("fk_offerings_offerings_created_by_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_offerings_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_offerings")),
        sa.UniqueConstraint("track_id", name=op.f("uq_offerings_offerings_track_id")),
    )
    op.create_table(
        "offerings_ownership_snapshots",
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("payee_id", sa.Uuid(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_offerings_ownership_snapshots_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_ownership_snapshots_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint(
            "taken_at", "track_id", "payee_id", name=op.f("pk_offerings_ownership_snapshots")
        ),
    )
    op.create_table(
        "offerings_purchases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=78, scale=0), nullable=False),
        sa.Column("asset", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="reserved", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_reference", sa.Text(), nullable=True),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "method in ('balance', 'external')", name=op.f("ck_offerings_purchases_method")
        ),
        sa.CheckConstraint(
            "status in ('reserved', 'paid', 'expired')", name=op.f("ck_offerings_purchases_status")
        ),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_offerings_purchases_quantity")),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["identity_users.id"],
            name=op.f("fk_offerings_purchases_buyer_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings_offerings.id"],
            name=op.f("fk_offerings_purchases_offering_id_offerings_offerings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_purchases")),
        sa.UniqueConstraint(
            "buyer_id",
            "idempotency_key",
            name=op.f("uq_offerings_purchases_buyer_id_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_offerings_purchases_expiring",
        "offerings_purchases",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'reserved'"),
    )
    op.create_index(
        "ix_offerings_purchases_offering_id_buyer_id",
        "offerings_purchases",
        ["offering_id", "buyer_id"],
        unique=False,
    )
    op.create_table(
        "offerings_shares",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), server_default="available", nullable=False),
        sa.Column("owner_payee_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_id", sa.Uuid(), nullable=True),
        sa.Column("minted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('available', 'reserved', 'minted')", name=op.f("ck_offerings_shares_status")
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings_offerings.id"],
            name=op.f("fk_offerings_shares_offering_id_offerings_offerings"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_offerings_shares_owner_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_shares_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_shares")),
        sa.UniqueConstraint(
            "offering_id", "token", name=op.f("uq_offerings_shares_offering_id_token")
        ),
    )
    op.create_index(
        "ix_offerings_shares_available",
        "offerings_shares",
        ["offering_id", "token"],
        unique=False,
        postgresql_where=sa.text("status = 'available'"),
    )
    op.create_index(
        "ix_offerings_shares_owner_payee_id", "offerings_shares", ["owner_payee_id"], unique=False
    )
    op.create_index(
        "ix_offerings_shares_purchase_id", "offerings_shares", ["purchase_id"], unique=False
    )
    op.create_table(
        "offerings_tiers",
        sa.Column("offering_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("first_token", sa.Integer(), nullable=False),
        sa.Column("last_token", sa.Integer(), nullable=False),
        sa.Column("pool_ppm", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_token >= first_token and first_token >= 1", name=op.f("ck_offerings_tiers_tokens")
        ),
        sa.CheckConstraint(
            "pool_ppm between 0 and 1000000", name=op.f("ck_offerings_tiers_pool_ppm")
        ),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings_offerings.id"],
            name=op.f("fk_offerings_tiers_offering_id_offerings_offerings"),
        ),
        sa.PrimaryKeyConstraint("offering_id", "tier", name=op.f("pk_offerings_tiers")),
    )
    op.create_table(
        "offerings_share_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("from_payee_id", sa.Uuid(), nullable=True),
        sa.Column("to_payee_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind in ('mint', 'transfer', 'chain')", name=op.f("ck_offerings_share_transfers_kind")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["identity_users.id"],
            name=op.f("fk_offerings_share_transfers_actor_id_identity_users"),
        ),
        sa.ForeignKeyConstraint(
            ["from_payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_offerings_share_transfers_from_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["offerings_shares.id"],
            name=op.f("fk_offerings_share_transfers_share_id_offerings_shares"),
        ),
        sa.ForeignKeyConstraint(
            ["to_payee_id"],
            ["catalog_payees.id"],
            name=op.f("fk_offerings_share_transfers_to_payee_id_catalog_payees"),
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["offerings_masters.track_id"],
            name=op.f("fk_offerings_share_transfers_track_id_offerings_masters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings_share_transfers")),
    )
    op.create_index(
        "ix_offerings_share_transfers_share_id_at",
        "offerings_share_transfers",
        ["share_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_offerings_share_transfers_track_id_at",
        "offerings_share_transfers",
        ["track_id", "at"],
        unique=False,
    )
    # ### end Alembic commands ###

    op.execute(TRANSFER_KINDS)
    op.execute(LEDGER_CHECK)
    op.execute(VIEWS)
    op.execute(FUNCTIONS)
    op.execute(row_security())


def downgrade() -> None:
    op.execute("drop view offerings_pool_changes; drop view offerings_pool_tiers")
    for name in FUNCTION_NAMES:
        op.execute(f"drop function {name}")
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index(
        "ix_offerings_share_transfers_track_id_at", table_name="offerings_share_transfers"
    )
    op.drop_index(
        "ix_offerings_share_transfers_share_id_at", table_name="offerings_share_transfers"
    )
    op.drop_table("offerings_share_transfers")
    op.drop_table("offerings_tiers")
    op.drop_index("ix_offerings_shares_purchase_id", table_name="offerings_shares")
    op.drop_index("ix_offerings_shares_owner_payee_id", table_name="offerings_shares")
    op.drop_index(
        "ix_offerings_shares_available",
        table_name="offerings_shares",
        postgresql_where=sa.text("status = 'available'"),
    )
    op.drop_table("offerings_shares")
    op.drop_index("ix_offerings_purchases_offering_id_buyer_id", table_name="offerings_purchases")
    op.drop_index(
        "ix_offerings_purchases_expiring",
        table_name="offerings_purchases",
        postgresql_where=sa.text("status = 'reserved'"),
    )
    op.drop_table("offerings_purchases")
    op.drop_table("offerings_ownership_snapshots")
    op.drop_table("offerings_offerings")
    op.drop_index(
        "ix_offerings_master_transitions_track_id_at", table_name="offerings_master_transitions"
    )
    op.drop_table("offerings_master_transitions")
    op.drop_index("ix_offerings_dividends_track_id", table_name="offerings_dividends")
    op.drop_table("offerings_dividends")
    op.drop_table("offerings_masters")
    # ### end Alembic commands ###
    op.execute(TRANSFER_KINDS_DOWN)
    op.execute(LEDGER_CHECK_DOWN)
