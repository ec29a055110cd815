"""The JSON of coins, holders, pools and events, built by PostgreSQL: one definition each, for
the lean reads and for the admin writes' answers alike. Token amounts are text (never numbers)."""

from __future__ import annotations

from backbeat.royalties.accounts import payee_label_sql

TOP_POSITIONS = 20


def percent_of(part: str, whole: str) -> str:
    """`part` as a percentage of `whole`, up to 4 places, as text ("0" of an empty whole)."""
    return f"coalesce(trim_scale(round({part} * 100 / nullif({whole}, 0), 4))::text, '0')"


def coin_json(c: str) -> str:
    return f"""json_build_object('id', {c}.id,
  'artist', (select {payee_label_sql("p")} from catalog_payees p
             where p.id = {c}.artist_payee_id),
  'name', {c}.name, 'symbol', {c}.symbol, 'chain_id', {c}.chain_id,
  'contract_address', {c}.contract_address, 'decimals', {c}.decimals,
  'total_supply', {c}.total_supply::text, 'holder_count', {c}.holder_count,
  'deployed_block', {c}.deployed_block,
  'pools', coalesce((select json_agg(json_build_object('id', l.id, 'address', l.address)
                                     order by l.created_at, l.id)
                     from offerings_pools l where l.coin_id = {c}.id), '[]'::json),
  'created_at', {c}.created_at, 'updated_at', {c}.updated_at)"""  # noqa: S608


def holder_json(h: str, c: str) -> str:
    share = percent_of(f"{h}.balance", f"{c}.total_supply")
    return (
        f"json_build_object('address', {h}.address, 'balance', {h}.balance::text, 'share', {share})"
    )


def holders_head(c: str) -> str:
    return (
        f"'\"coin_id\":' || to_json({c}.id) || ',\"total_supply\":' || "
        f"to_json({c}.total_supply::text) || ',\"holder_count\":' || {c}.holder_count || ','"
    )


def transfer_json(t: str, c: str) -> str:
    return f"""json_build_object('id', {t}.id, 'coin_id', {t}.coin_id, 'sender', {t}.sender,
  'recipient', {t}.recipient, 'amount', {t}.amount::text, 'tx_hash', {t}.tx_hash,
  'log_index', {t}.log_index, 'block_number', {t}.block_number, 'occurred_at', {t}.occurred_at,
  'total_supply', {c}.total_supply::text)"""


def pool_json(pool: str) -> str:
    share = percent_of("o.liquidity", f"{pool}.total_liquidity")
    return f"""json_build_object('id', {pool}.id, 'coin_id', {pool}.coin_id,
  'chain_id', {pool}.chain_id, 'address', {pool}.address,
  'token0', {pool}.token0, 'token1', {pool}.token1,
  'reserve0', {pool}.reserve0::text, 'reserve1', {pool}.reserve1::text,
  'total_liquidity', {pool}.total_liquidity::text, 'position_count', {pool}.position_count,
  'positions', coalesce((select json_agg(json_build_object('owner', o.owner,
                                  'liquidity', o.liquidity::text, 'share', {share})
                                order by o.liquidity desc, o.owner)
                         from (select * from offerings_pool_positions
                               where pool_id = {pool}.id
                               order by liquidity desc, owner limit {TOP_POSITIONS}) o),
                        '[]'::json),
  'last_block', {pool}.last_block, 'created_at', {pool}.created_at,
  'updated_at', {pool}.updated_at)"""  # noqa: S608


def event_json(e: str) -> str:
    amounts = ", ".join(
        f"'{name}', {e}.{name}::text"
        for name in (
            "amount0_in",
            "amount1_in",
            "amount0_out",
            "amount1_out",
            "liquidity",
            "reserve0_after",
            "reserve1_after",
        )
    )
    return f"""json_build_object('id', {e}.id, 'pool_id', {e}.pool_id, 'kind', {e}.kind,
  'account', {e}.account, {amounts}, 'tx_hash', {e}.tx_hash, 'log_index', {e}.log_index,
  'block_number', {e}.block_number, 'occurred_at', {e}.occurred_at)"""
