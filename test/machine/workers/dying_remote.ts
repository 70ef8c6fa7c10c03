// cores/worker.ts with a planted death (dying_remote_plant.ts, evaluated first), for the
// remote-trap failure tests (linux_remote.test.ts).
import './dying_remote_plant.ts';
import '../../../cores/worker.ts';
