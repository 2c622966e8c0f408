import ArgumentParser
import Foundation
import Nabla
#if MPI
import NablaDistributed
#endif

// `nabla train --distributed`: the same run on every rank of `mpirun -np N`, reported by rank 0.

extension TrainCommand {
    /// Whether this build has the MPI trait (`swift build --traits MPI`).
    static var builtWithMPI: Bool {
        #if MPI
        true
        #else
        false
        #endif
    }

    /// Trains over MPI's world: rank 0 shows progress, the summary, and writes --save and
    /// --plot (atomically); the other ranks print only errors that are their own. On an
    /// error every rank exits with status 1 without finalising MPI, and mpirun ends the job.
    func runDistributed(_ experiment: Experiment) throws {
        #if MPI
        let world: MPICommunicator
        do { world = try MPICommunicator.world(timeout: Double(collectiveTimeout ?? Int(MPICommunicator.defaultTimeout))) } catch {
            fail("\(error)")
        }
        let isReporter = world.rank == 0
        func failHere(_ error: any Error) -> Never {
            if world.reports(error) {
                // An error every rank shares is rank 0's to print, as in one process; any
                // other is this rank's own, and says so.
                let shared = error is DataParallelError || error is TrainingError
                let place = isReporter && shared ? "" : "rank \(world.rank) (\(world.hostname)): "
                FileHandle.standardError.write(Data("error: \(place)\(error)\n".utf8))
            }
            Self.exit(withError: ExitCode.failure)
        }
        if isReporter {
            // Rank 0 alone writes, so only its paths must be writable.
            for path in [save, plot].compactMap({ $0 }) {
                do { try AtomicFileWriter.checkWritable(path) } catch { failHere(error) }
            }
        }
        // One line per epoch: mpirun gives rank 0 a terminal of its own even when mpirun's
        // output goes to a file, so the live bar's redrawing would land there.
        let display = isReporter ? Experiment.Display(mode: .lines) : Experiment.Display(mode: .lines, output: { _ in })
        let outcome: Experiment.Outcome
        Interrupt.install()
        Interrupt.installStopSignal(announces: isReporter)
        do {
            outcome = try experiment.run({ event in
                if isReporter, case .start = event { Self.noteDebugBuild() }
                display.show(event)
            }, stopRequested: { Interrupt.requested }, communicator: world)
        } catch {
            display.finish()
            failHere(error)
        }
        display.finish(outcome)
        if isReporter {
            if let save, let state = outcome.state {
                do { try state.write(to: save) } catch { failHere(error) }
                print("saved the weights to \(save)")
            }
            if let plot {
                do { try experiment.plot(outcome).write(to: plot) } catch { failHere(error) }
                print("wrote the plot to \(plot)")
            }
        }
        MPICommunicator.finalize()
        if outcome.stopped { throw ExitCode(130) }
        #else
        fail("--distributed needs a build with the MPI trait: swift build -c release --traits MPI")
        #endif
    }
}
