from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "rate_limit" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "count" INT NOT NULL,
    "reset_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "rate_limit" IS 'A fixed-window counter shared by every server process (sign-in failures, reset requests).';
CREATE TABLE IF NOT EXISTS "user" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "name" VARCHAR(255) NOT NULL,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "email_verified" BOOL NOT NULL DEFAULT False,
    "image" TEXT,
    "role" VARCHAR(16) NOT NULL DEFAULT 'user'
);
CREATE INDEX IF NOT EXISTS "idx_user_created_5e2aef" ON "user" ("created_at", "id");
CREATE TABLE IF NOT EXISTS "account" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "account_id" VARCHAR(255) NOT NULL,
    "provider_id" VARCHAR(64) NOT NULL,
    "access_token" TEXT,
    "refresh_token" TEXT,
    "id_token" TEXT,
    "access_token_expires_at" TIMESTAMPTZ,
    "refresh_token_expires_at" TIMESTAMPTZ,
    "scope" TEXT,
    "password" TEXT,
    "user_id" VARCHAR(32) NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_account_provide_0e2f66" UNIQUE ("provider_id", "account_id")
);
CREATE INDEX IF NOT EXISTS "idx_account_user_id_6b740d" ON "account" ("user_id");
CREATE TABLE IF NOT EXISTS "session" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "token" VARCHAR(64) NOT NULL UNIQUE,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "ip_address" VARCHAR(64),
    "user_agent" TEXT,
    "user_id" VARCHAR(32) NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_session_user_id_23ddbc" ON "session" ("user_id");
CREATE TABLE IF NOT EXISTS "verification" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "identifier" VARCHAR(255) NOT NULL,
    "value" VARCHAR(255) NOT NULL UNIQUE,
    "expires_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_verificatio_identif_361bac" ON "verification" ("identifier");
CREATE TABLE IF NOT EXISTS "todos" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "title" VARCHAR(255) NOT NULL,
    "completed" BOOL NOT NULL DEFAULT False,
    "user_id" VARCHAR(32) NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_todos_user_id_bda8d5" ON "todos" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_todos_user_id_6b9ec3" ON "todos" ("user_id", "created_at", "id");
CREATE TABLE IF NOT EXISTS "files" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "name" VARCHAR(255) NOT NULL,
    "original_name" VARCHAR(255) NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "size" BIGINT NOT NULL,
    "path" VARCHAR(1024) NOT NULL,
    "url" TEXT,
    "user_id" VARCHAR(32) NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_files_user_id_2b6309" ON "files" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_files_user_id_a51de5" ON "files" ("user_id", "created_at", "id");
CREATE TABLE IF NOT EXISTS "pending_upload" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "name" VARCHAR(255) NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "size" BIGINT NOT NULL,
    "path" VARCHAR(1024) NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "user_id" VARCHAR(32) NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_pending_upl_expires_fababc" ON "pending_upload" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_pending_upl_user_id_28536f" ON "pending_upload" ("user_id");
COMMENT ON TABLE "pending_upload" IS 'A direct-to-bucket upload announced by createUploadUrl and not completed yet.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1P4zgQ/itRP4EEqLS83el0UsvCLrfQrqDsrRatIpO4xSK1s4lD6e3x38923l8vaR"
    "tog78AtWec5Bl3PPOMY361pkSHhr3X0zTiYNr6XfnVwmAK2R/Jrh2lBUwz7OANFNwbQhZE"
    "hO5tagGNjzUGhg1Zkw5tzUImRQSzVuwYBm8kGhNEeBI2ORj9dKBKyQTSB2ixjru7lmmRJ6"
    "RDS0W6GN69Ev/04wf7jLAOn6HNZflH81EdI2josSdxNUW7SuemaDt9ANa5kOT3cq9qxHCm"
    "OJQ25/SB4ECc3SpvnUAMLUChHnk6fvMeDn6T+yCsgVoODG5SDxt0OAaOwTFq/TF2sMahUT"
    "zAkW7vYThjT/ind28RaVUdDEfqzdlIVVsVkNUI5lZBmNoCmSl4Vg2IJ/SBfex2XtzrhAi5"
    "UvyCX3vXp59611vdzja/IGGmdU0+8Ho6outFDAEocAcR9ggNoFmQg6YCmjbEB9ZD0RRmGy"
    "OumTCK7qnu+X8sYiK/IbRROG192H1gY6YYkNnW9jJGYI+mD7Ex96ZFgRFGF1dnN6Pe1Rd+"
    "ualt/zQEcr3RGe/piNZ5onXrKGGwYBDl74vRJ4V/VL4PB2cCWGLTiSWuGMqNvrf4PQGHEh"
    "WTmQr0yAz2W328mGRob8fUF7R3XFPa++3t7aMTMbh396G9I065gqONa63G4S5s3Toca+fw"
    "sIRnZVK5rlX0vcSwTqyHZcFOqDUQ7aODEmAfHeRizbtektMa2jaLRx4hTmM9gs80d2LH9B"
    "YC2/Oz64J1kbc6+zaKOSof062r3rftmLO6HA4++uIRG5xeDvsJ7C04Zv7poTr4KUWJfnX0"
    "kV4d+KiOxLw65lGvocJnE7FpvEAEVTDMCsKpDbLResdQ6aA55riWmABF48gZsM4zwNaICa"
    "u43EBB+tvq/tYEtj0jVkYUnQ94VEdiXh1zx66cuERU6kpaUqTcq+Usq6HeOPE5fsxk3jh6"
    "abTPiQXRBH+Gc4H5BbtDgLUsT+JxkrfeMJuF9Ys/l/zW8PoWmAVEcXSKsUdnDwypOyl7N6"
    "e9D2ctAfA90B5nwNLVGNK8h3RIoiWQTXdNO9NkC8BgIrDhT8Hv2QP9mgF9iaYok5YPO3eK"
    "iHluLNUI5P6Pm2/1lDFihtqdMYuRmSIIGmgpNvt6Ql25nyvwCVpzhQHGfiumRXiwqWzZbD"
    "btIsxGRYbDVsQdhf2AlP1k88Cm9vZeK2Gxeq+UUUkoWyx4hPMq7skTf61ywSZyVwV1Ab9o"
    "FEf7Aucsv4F8Am7kttZBX7XrQnvC72C3s39wfHDSPTo4YSLiLoOW4wL8LwajFF/CvgULZQ"
    "uh3lrR7TI94OlBaml/m6XohvleF/nUQuR3FS5DdkRopfVhWQJeozi00NXLEnCGETazJChL"
    "wO/L3mVKwDnlgnwfu1ytYJ1D59UXIhcng1dO/8oArz7+F5lcmg1oVwpWYlpNYCXr/joJvo"
    "cFulm5Zz73G9dqAs6S/ZXsr2R/15T9FaBn5Nu+MfKTbd/qtWbad4m8zN+PLbNvmX3LbExm"
    "39Ler5l9i98VXKwv38BtwLVsuoZTgIwqAAcKjWM3up12qdWqXbBctTPxVZ+ghdigGcFCnx"
    "ADAlyAdUw5Afo9065rXgctUeCrhlvl87L+cHgZ80n9i2TidXvVP7ve2hfwMyHkRrPpiiGa"
    "ssCzSgIcKMjcd4H97GwCV3Egvvzreeggb4jDHbSuwnnsH5XwHfvJhTR0HbwrI+PNz9BS7y"
    "hlUGt9T/P88zU0APXqlNmpcORt2A1bJfPS4fgOVLdOuyRIkZJwE0GiRCdLIjRiQzQVnjEy"
    "4JLwnCNjg2sRxfCYEOtsENUxDQL0JYH64g52K8ZqEmJ1MmtfRaSoAZqzoyXWv1PEtD0lJe"
    "XeFsmuSXZtk9kWya69L3uXYdeQDjHl5EJGMa3I0Ua1mle9rIVoewKGUylPDhQaR7TVQ2TK"
    "nURN3Um0JlvFRWqbEVX7KW9+NB3k1TUXriMFf1nDllG2jLpklC3t/fZRNkW0WokkUJBV7H"
    "LBn0amJt/dVrXAGtOTtdUStVW501XudJU7XUtmDKLak5Ex+FWg/IwhKDXJjEFmDDJjaHIE"
    "KTOG92Vvuev17fMFYqEJwsBQqwKdUpSIl0N8yryLi1IFtGNKEulySNvonwyQ+2iSe/iQr/"
    "F6Zw/VibB7/NBvnU63e9xpd49ODg+Ojw9P2sE5ROmuogOJ+hcfeRYcwz+dFpuAGbTCzPbl"
    "Gzip99udMu81c7H83bCiM8E8WBnvKRS81Gwt/pbCO9/RLTkeyfFIjqckxxPfqJpB9qR2su"
    "azPvEdtKXon1ZP0ZEFNbpLye69oz1CqrjqCsCYOGzCiDMn3bzfvYlby2CduoIJVQIGXJlD"
    "mnWW5YpHl7tB19tL7UjW6V2wEJJ1el/2lqzT22fmkgORHIjkQCQHsjgHslmbnN8gi9zAZT"
    "gj7pL8i+RfJP9Sjn/pQQtpD60M4sXr2Sn8996hzNq84Zobo2R+vzMiFM966/s20Er+Q0Q+"
    "T/EELf+UhtIvW4UqDQxHaomx+ZeqAsKeeAPR3W+XOTeKSRWEeqlzo9gVaeYxvn/dDAd5m5"
    "kDlWR8hzSq/KsYyN7EbKYAXA5GcfkrWelKhGt8gH61g3dWv5i9/AeN+91h"
)
