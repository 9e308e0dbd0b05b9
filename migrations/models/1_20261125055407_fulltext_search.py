from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Written by hand: generated tsvector columns, GIN and trigram indexes are beyond the ORM.
    return """
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        ALTER TABLE "todos" ADD COLUMN IF NOT EXISTS "search" tsvector
            GENERATED ALWAYS AS (to_tsvector('english', "title")) STORED;
        CREATE INDEX IF NOT EXISTS "todos_search_idx" ON "todos" USING gin ("search");
        ALTER TABLE "files" ADD COLUMN IF NOT EXISTS "search" tsvector
            GENERATED ALWAYS AS (to_tsvector('english', translate("name", '._-/\\', '     '))) STORED;
        CREATE INDEX IF NOT EXISTS "files_search_idx" ON "files" USING gin ("search");
        CREATE INDEX IF NOT EXISTS "user_name_trgm_idx" ON "user" USING gin ("name" gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS "user_email_trgm_idx" ON "user" USING gin ("email" gin_trgm_ops);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "user_email_trgm_idx";
        DROP INDEX IF EXISTS "user_name_trgm_idx";
        DROP INDEX IF EXISTS "files_search_idx";
        ALTER TABLE "files" DROP COLUMN IF EXISTS "search";
        DROP INDEX IF EXISTS "todos_search_idx";
        ALTER TABLE "todos" DROP COLUMN IF EXISTS "search";"""


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
