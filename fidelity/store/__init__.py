"""What is saved, and who may read or change it: one module per concept, each reading and writing through a Session.

Callers own the transaction (`fidelity.db.session_scope`). Every write records an audit event in the
same transaction, so a change and its audit entry are saved together or not at all. Every read and
write checks the actor's role and scope first (`access`).

    access            roles, scopes and the checks made before every read and write
    shared            getting a row, what an actor may see, the data version, pinned scales and verified items
    audit             the audit log: recording every change, and reading it back
    accounts          user accounts, sign-in, passwords, scopes
    throttle          failed sign-ins counted per username and client, and the back-off they earn
    instance          settings an admin switches for this instance (demo accounts beside real services)
    services          programmes, areas and services
    reviews           reviews: start, read, finalise, list, a service's history, the report's data
    ratings           item ratings: each reviewer's scores, handing them in, agreed scores
    amendments        correcting a final review
    plans             improvement plans: actions and progress notes
    plan_support      an improvement plan agreed by the service's lead and the lead reviewer; support logged after
    outcomes          quarterly outcomes: enter, correct, list, import
    past_reviews      past reviews imported from a file
    comparisons       reviews and quarters across services, for comparing sites
    rebases           where a service's XmR chart starts a new period, at a recorded change, with the reason
    cadence           when each service's next review is due, and the review cadence admins set per programme
    programme_view    a programme's reviews, outcome quarters and overdue actions, for the programme view
    item_outcomes     each service's latest agreed scores beside its outcome rate in the quarters after
    calibration       reviewers' own scores beside each other's and the agreed ones; the drift limit admins set
    timelines         a review's steps from booking to action plan: owners, due dates, who marked them; the moderator
    portfolio         the evidence a service lists per item before its visit, and the lead reviewer's audit of it
    snapshots         the service's figures for the four quarters before the visit, confirmed and pinned to the review
    moderation        the draft report moderated, presented to the service, its further evidence per item answered
    personal_data     a review's case-record sample and evidence notes deleted on time, the measures kept
    visits            the site visit: its plan, case-record sample and evidence notes tagged to items
    packs             offline visit packs: a reviewer's own scoring out as a workbook and back, all or nothing
    published_scales  the scale versions new reviews use: seeding, publishing, retiring, verifying items
    backup            the database exported for analysis (no credentials), backed up encrypted, and restored
"""
